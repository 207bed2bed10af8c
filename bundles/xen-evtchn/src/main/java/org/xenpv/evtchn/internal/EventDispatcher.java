package org.xenpv.evtchn.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.evtchn.EventChannelStatus;
import org.xenpv.evtchn.EventHandler;
import org.xenpv.evtchn.LateEoiHandler;
import org.xenpv.platform.spi.DevicePortProvider;
import org.xenpv.platform.spi.EventChannelPort;
import org.xenpv.platform.spi.PortException;

/**
 * Owns the one opened event-channel device and the one thread that reads
 * fired ports from it, runs their handlers, then re-arms them in one batch.
 * A lateeoi port whose spurious events persist stays masked until its delay
 * has passed; the thread's wait ends in time to re-arm it, and the port's
 * events meanwhile only set its pending bit (in Xen, not here).
 */
@Component(service = {EventDispatcher.class, EventChannelStatus.class})
public final class EventDispatcher implements EventChannelStatus {
    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);
    /** Fired ports read per wake-up: as many as Linux's evtchn device queues in one page. */
    private static final int BATCH = 1024;
    private static final long WAIT_MILLIS = TimeUnit.SECONDS.toMillis(1);

    private final EventChannelPort port;
    private final Map<Integer, BoundChannel> channels = new ConcurrentHashMap<>();
    /** The same channels by port, for the dispatcher's look-up per event (the map's boxes a port above 127). */
    private BoundChannel[] byPort = new BoundChannel[64]; // under registration
    private final AtomicLong dispatched = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong spurious = new AtomicLong();
    private final AtomicLong delayedRearms = new AtomicLong();
    /** Lateeoi ports held masked until their {@link BoundChannel#rearmAt} (the dispatcher's thread only). */
    private final List<BoundChannel> deferred = new ArrayList<>();
    /**
     * Held while a port is bound and registered, and while the dispatcher
     * looks up fired ports: an event that fires before its channel is
     * registered is then still delivered, not dropped.
     */
    private final Object registration = new Object();
    private final Thread thread;
    private volatile boolean running = true;

    @Activate
    public EventDispatcher(@Reference DevicePortProvider provider) throws IOException {
        this(provider.openEventChannelPort());
    }

    /**
     * A dispatcher outside OSGi (the bundle's standalone package, this package's tests): stop it with
     * {@link #deactivate()}. A factory, not a public constructor: SCR would try a second public constructor of
     * the same arity and log an error for it at every activation.
     */
    public static EventDispatcher forPort(EventChannelPort port) {
        return new EventDispatcher(port);
    }

    private EventDispatcher(EventChannelPort port) {
        this.port = port;
        this.thread = new Thread(this::dispatchLoop, "xenpv-evtchn-dispatcher");
        thread.setDaemon(true);
        thread.start();
    }

    @Deactivate
    public void deactivate() throws InterruptedException {
        running = false;
        port.close();
        thread.join(TimeUnit.SECONDS.toMillis(10));
        if (thread.isAlive()) {
            LOG.warn("the event dispatcher did not stop within 10 s: a handler blocks");
        }
        channels.clear();
        synchronized (registration) {
            Arrays.fill(byPort, null);
        }
    }

    BoundChannel bindUnbound(int remoteDomid, EventHandler handler, BundleEventChannels owner) throws IOException {
        synchronized (registration) {
            int localPort = port.bindUnbound(remoteDomid);
            return register(new BoundChannel(this, localPort, remoteDomid, handler, owner));
        }
    }

    BoundChannel bindInterdomain(int remoteDomid, int remotePort, EventHandler handler, BundleEventChannels owner)
            throws IOException {
        synchronized (registration) {
            int localPort = port.bindInterdomain(remoteDomid, remotePort);
            return register(new BoundChannel(this, localPort, remoteDomid, handler, owner));
        }
    }

    BoundChannel bindUnboundLateEoi(int remoteDomid, LateEoiHandler handler, BundleEventChannels owner)
            throws IOException {
        synchronized (registration) {
            int localPort = port.bindUnbound(remoteDomid);
            return register(new BoundChannel(this, localPort, remoteDomid, handler, owner));
        }
    }

    private BoundChannel register(BoundChannel channel) {
        channels.put(channel.localPort(), channel);
        int local = channel.localPort();
        if (local >= byPort.length) {
            byPort = Arrays.copyOf(byPort, Math.max(local + 1, byPort.length * 2));
        }
        byPort[local] = channel;
        return channel;
    }

    void notify(int localPort) throws PortException {
        port.notify(localPort);
    }

    void unbind(BoundChannel channel) {
        channels.remove(channel.localPort(), channel);
        synchronized (registration) {
            int local = channel.localPort();
            if (local < byPort.length && byPort[local] == channel) {
                byPort[local] = null;
            }
        }
        try {
            port.unbind(channel.localPort());
        } catch (PortException e) {
            LOG.warn("could not unbind event channel {}: {}", channel.localPort(), e.getMessage());
        }
    }

    boolean isDispatcherThread() {
        return Thread.currentThread() == thread;
    }

    private void dispatchLoop() {
        int[] fired = new int[BATCH];
        int[] due = new int[BATCH];
        BoundChannel[] handlers = new BoundChannel[BATCH];
        while (running) {
            int count;
            try {
                count = port.awaitPending(fired, waitMillis());
            } catch (PortException e) {
                if (running) {
                    LOG.error("reading fired event channels failed; events are no longer delivered", e);
                }
                return;
            }
            synchronized (registration) {
                for (int i = 0; i < count; i++) {
                    int local = fired[i];
                    handlers[i] = local >= 0 && local < byPort.length ? byPort[local] : null;
                }
            }
            int rearm = 0;
            for (int i = 0; i < count; i++) {
                BoundChannel channel = handlers[i];
                handlers[i] = null;
                if (channel != null) {
                    dispatched.incrementAndGet();
                    if (!channel.dispatch()) {
                        failures.incrementAndGet();
                    }
                    long delay = channel.rearmDelayNanos();
                    if (delay > 0 && channel.isOpen()) {
                        channel.deferRearm(System.nanoTime() + delay);
                        delayedRearms.incrementAndGet();
                        deferred.add(channel);
                        continue;
                    }
                }
                fired[rearm++] = fired[i];
            }
            if (!unmask(fired, rearm) || !unmask(due, takeDue(due))) {
                return;
            }
        }
    }

    /** How long to wait for events: until the first delayed re-arming is due, at most {@link #WAIT_MILLIS}. */
    private long waitMillis() {
        long wait = WAIT_MILLIS;
        long now = System.nanoTime();
        // Indexed: an iterator would be an allocation per wait, and the dispatcher waits once per batch of events.
        for (int i = 0; i < deferred.size(); i++) {
            long left = deferred.get(i).rearmAt - now;
            // Rounded up: a wait that ends before the port is due would only spin.
            wait = Math.min(wait, left <= 0 ? 0 : (left + 999_999) / 1_000_000);
        }
        return wait;
    }

    /** Moves the ports whose delay has passed into {@code ports}; a port closed meanwhile is only forgotten. */
    private int takeDue(int[] ports) {
        int count = 0;
        long now = System.nanoTime();
        for (int i = deferred.size() - 1; i >= 0 && count < ports.length; i--) {
            BoundChannel channel = deferred.get(i);
            if (!channel.isOpen() || channel.rearmAt - now <= 0) {
                deferred.remove(i);
                if (channel.isOpen()) {
                    ports[count++] = channel.localPort();
                }
            }
        }
        return count;
    }

    private boolean unmask(int[] ports, int count) {
        if (count == 0) {
            return true;
        }
        try {
            port.unmask(ports, count);
            return true;
        } catch (PortException e) {
            if (running) {
                LOG.error("re-arming event channels failed; events are no longer delivered", e);
            }
            return false;
        }
    }

    void countSpurious() {
        spurious.incrementAndGet();
    }

    @Override
    public int portsOpen() {
        return channels.size();
    }

    @Override
    public long eventsDispatched() {
        return dispatched.get();
    }

    @Override
    public long handlerFailures() {
        return failures.get();
    }

    @Override
    public long spuriousEvents() {
        return spurious.get();
    }

    @Override
    public long delayedRearms() {
        return delayedRearms.get();
    }
}
