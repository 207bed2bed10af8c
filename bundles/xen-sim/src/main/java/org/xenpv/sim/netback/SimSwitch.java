package org.xenpv.sim.netback;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An L2 learning switch joining the simulated vifs (and any other port, such
 * as a TAP device): a frame goes to the port that last sent from its
 * destination address, or to every other port when that is unknown or a
 * group address.
 */
public final class SimSwitch {
    /** Something plugged into the switch. */
    public interface Port {
        /** Takes a frame; must not block (queue it, or drop and count it). */
        void deliver(SimFrame frame);

        String name();
    }

    private final List<Port> ports = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong unforwarded = new java.util.concurrent.atomic.AtomicLong();
    private final Map<Long, Port> learned = new ConcurrentHashMap<>();

    public void attach(Port port) {
        ports.add(port);
    }

    public void detach(Port port) {
        ports.remove(port);
        learned.values().removeIf(p -> p == port);
    }

    /** A frame from {@code from}: learn its source, forward it. */
    public void transmit(Port from, SimFrame frame) {
        if (frame.data().length < 14) {
            return;
        }
        long source = frame.source();
        if ((source >>> 40 & 1) == 0) {
            learned.put(source, from);
        }
        long destination = frame.destination();
        Port to = (destination >>> 40 & 1) == 0 ? learned.get(destination) : null;
        if (to != null && ports.contains(to)) {
            if (to != from) {
                to.deliver(frame);
            }
            return;
        }
        boolean forwarded = false;
        for (Port port : ports) {
            if (port != from) {
                port.deliver(frame);
                forwarded = true;
            }
        }
        if (!forwarded) {
            unforwarded.incrementAndGet();
        }
    }

    /** Frames that found no port to go to (for example while the only other vif's backend restarts). */
    public long unforwardedFrames() {
        return unforwarded.get();
    }

    public List<Port> ports() {
        return List.copyOf(ports);
    }
}
