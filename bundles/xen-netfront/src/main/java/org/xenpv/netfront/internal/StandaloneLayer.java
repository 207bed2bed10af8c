package org.xenpv.netfront.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.xenpv.evtchn.EventChannels;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.netfront.StandaloneNetfront;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStore;

/** The driver of {@link StandaloneNetfront#open}: the component's {@link Netfronts}, without the registry. */
public final class StandaloneLayer {
    private StandaloneLayer() {
    }

    public static StandaloneNetfront netfront(XenStore store, GrantTable grants, EventChannels events,
            StandaloneNetfront.Settings settings, StandaloneNetfront.NicListener listener) {
        NetfrontConfig config = new NetfrontConfig(settings.maxQueues(), settings.txBuffers(), settings.rxBuffers(),
                settings.closeTimeoutMillis(), settings.pollMicros(), settings.txCompletionMicros());
        Netfronts netfronts = new Netfronts(store, grants, events, config,
                (nic, properties) -> listener.added(nic)::run);
        long boundMillis = 3 * settings.closeTimeoutMillis() + 5_000;
        return new StandaloneNetfront() {
            @Override
            public Runnable deviceAdded(XenBusDevice device) {
                if (!"vif".equals(device.deviceClass())) {
                    return () -> { };
                }
                netfronts.add(device);
                return () -> netfronts.remove(device);
            }

            @Override
            public CompletableFuture<Void> closeAll() {
                return netfronts.closeAll();
            }

            @Override
            public void close() {
                try {
                    netfronts.closeAll().get(boundMillis, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    throw new IllegalStateException("vifs still closing after " + boundMillis + " ms");
                } catch (ExecutionException e) {
                    throw new IllegalStateException("closing the vifs failed", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the vifs close");
                }
            }
        };
    }
}
