package org.xenpv.netfront.standalone;

import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ConsumerType;
import org.osgi.annotation.versioning.ProviderType;
import org.xenpv.evtchn.EventChannels;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.net.Nic;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStore;

/**
 * The netfront driver outside OSGi: one netfront per vif device it is given,
 * each connecting, running and closing on its own threads exactly as under
 * the Declarative Services component, and a {@link NicListener} in place of
 * the service registry. Typically fed by a bus:
 *
 * <pre>{@code
 * StandaloneNetfront netfront = StandaloneNetfront.open(store, grants, events, StandaloneNetfront.Settings.DEFAULTS,
 *         nic -> {
 *             nics.put(nic.name(), nic);
 *             return () -> nics.remove(nic.name());
 *         });
 * StandaloneXenBus bus = StandaloneXenBus.open(store, netfront::deviceAdded);
 * ...
 * bus.close();
 * netfront.close();
 * }</pre>
 *
 * It uses the layers it is given and closes none of them: close it before them.
 */
@ProviderType
public interface StandaloneNetfront extends AutoCloseable {

    /**
     * The driver's settings, as the component's configuration has them.
     *
     * @param maxQueues the most queues per vif (the backend's maximum also limits it); unlike the
     *     component, which caps it at the cores, taken as given
     * @param txBuffers granted pages per queue for frames to send, at least 18 (a largest frame)
     * @param rxBuffers granted pages per queue for frames to receive, at least 18
     * @param closeTimeoutMillis how long an orderly close waits for the backend to let go
     * @param pollMicros how long a queue's thread keeps looking at its RX ring after a pass before it sleeps
     *     until an event, 0 to 1 000 000
     * @param txCompletionMicros how long a queue's thread with frames in flight sleeps before it takes their
     *     TX completions itself instead of asking for an event, 1 to 1 000 000
     */
    record Settings(int maxQueues, int txBuffers, int rxBuffers, long closeTimeoutMillis, long pollMicros,
            long txCompletionMicros) {
        /** The component's defaults: 4 queues, 256 pages each way, 5 s to close, 20 µs of poll, 500 µs TX looks. */
        public static final Settings DEFAULTS = new Settings(4, 256, 256, 5_000);

        public Settings {
            if (maxQueues < 1 || txBuffers < 18 || rxBuffers < 18 || closeTimeoutMillis < 0 || pollMicros < 0
                    || pollMicros > 1_000_000 || txCompletionMicros < 1 || txCompletionMicros > 1_000_000) {
                throw new IllegalArgumentException("netfront settings out of range: maxQueues " + maxQueues
                        + " (>= 1), txBuffers " + txBuffers + " and rxBuffers " + rxBuffers
                        + " (>= 18), closeTimeoutMillis " + closeTimeoutMillis + " (>= 0), pollMicros " + pollMicros
                        + " (0 to 1000000), txCompletionMicros " + txCompletionMicros + " (1 to 1000000)");
            }
        }

        /** Settings with the component's poll (20 µs) and TX completion (500 µs) intervals. */
        public Settings(int maxQueues, int txBuffers, int rxBuffers, long closeTimeoutMillis) {
            this(maxQueues, txBuffers, rxBuffers, closeTimeoutMillis, 20, 500);
        }

        /** These settings with {@code queues} as the most queues per vif. */
        public Settings withMaxQueues(int queues) {
            return new Settings(queues, txBuffers, rxBuffers, closeTimeoutMillis, pollMicros, txCompletionMicros);
        }

        /** These settings with the given poll and TX completion intervals. */
        public Settings withIntervals(long pollMicros, long txCompletionMicros) {
            return new Settings(maxQueues, txBuffers, rxBuffers, closeTimeoutMillis, pollMicros, txCompletionMicros);
        }
    }

    /** Hears of each vif's Nic when its netfront connects; what it returns runs when that Nic goes. */
    @ConsumerType
    @FunctionalInterface
    interface NicListener {
        /**
         * Called on the device's own thread.
         *
         * @return run once when the Nic goes (its vif closed, removed or broken for good), never null
         */
        Runnable added(Nic nic);
    }

    /**
     * A driver over the given layers, which it uses but does not own.
     *
     * @throws IllegalArgumentException for settings out of range
     */
    static StandaloneNetfront open(XenStore store, GrantTable grants, EventChannels events, Settings settings,
            NicListener listener) {
        return new ListenerNetfront(store, grants, events, settings, listener);
    }

    /**
     * Starts a netfront for {@code device} when it is a vif, as the component binds to vif devices; other
     * classes are left alone. Shaped as a {@link org.xenpv.xenbus.standalone.StandaloneXenBus.DeviceListener}.
     *
     * @return starts closing that netfront (without waiting) when run
     */
    Runnable deviceAdded(XenBusDevice device);

    /**
     * Starts closing every netfront and returns.
     *
     * @return completes once every one is closed and its threads have ended
     */
    CompletableFuture<Void> closeAll();

    /**
     * Closes every netfront in order (Closing, then Closed once the backend let go, every grant revoked and
     * every port closed) and waits for them, within three close timeouts and 5 s, as the component does.
     *
     * @throws IllegalStateException naming what is still closing when the bound passes
     */
    @Override
    void close();
}
