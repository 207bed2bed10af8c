package org.xenpv.sim.netback;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An L2 learning switch joining the simulated vifs (and any other port, such
 * as a TAP device): a frame goes to the port that last sent from its
 * destination address, or to every other port when that is unknown or a
 * group address.
 *
 * <p>The table of learned addresses is an array replaced on change: a frame
 * from an address already learned, the common case, only reads it, without
 * boxing the address or allocating.
 */
public final class SimSwitch {
    /** Something plugged into the switch. */
    public interface Port {
        /**
         * Takes a frame; must not block (queue it, or drop and count it). The
         * frame is lent for the call: a port that keeps it takes a reference
         * (what netback's queues do), any other copies what it needs.
         */
        void deliver(SimFrame frame);

        String name();
    }

    private final List<Port> ports = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong unforwarded = new java.util.concurrent.atomic.AtomicLong();
    /** A learned address and the port it was last seen on. */
    private record Learned(long address, Port port) {
    }

    private static final Learned[] NOTHING_LEARNED = {};
    /** Addresses kept at most, as a real switch's table is bounded: frames to others are flooded. */
    static final int MAX_LEARNED = 1024;
    private volatile Learned[] learned = NOTHING_LEARNED;

    public void attach(Port port) {
        ports.add(port);
    }

    public synchronized void detach(Port port) {
        ports.remove(port);
        learned = Arrays.stream(learned).filter(entry -> entry.port() != port).toArray(Learned[]::new);
    }

    private Port portOf(long address) {
        for (Learned entry : learned) {
            if (entry.address() == address) {
                return entry.port();
            }
        }
        return null;
    }

    private synchronized void learn(long address, Port port) {
        Learned[] table = learned;
        for (int i = 0; i < table.length; i++) {
            if (table[i].address() == address) {
                Learned[] changed = table.clone();
                changed[i] = new Learned(address, port);
                learned = changed;
                return;
            }
        }
        if (table.length >= MAX_LEARNED) {
            return;
        }
        Learned[] grown = Arrays.copyOf(table, table.length + 1);
        grown[table.length] = new Learned(address, port);
        learned = grown;
    }

    /** A frame from {@code from}: learn its source, forward it. */
    public void transmit(Port from, SimFrame frame) {
        if (frame.length() < 14) {
            return;
        }
        long source = frame.source();
        if ((source >>> 40 & 1) == 0 && portOf(source) != from) {
            learn(source, from);
        }
        long destination = frame.destination();
        Port to = (destination >>> 40 & 1) == 0 ? portOf(destination) : null;
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
