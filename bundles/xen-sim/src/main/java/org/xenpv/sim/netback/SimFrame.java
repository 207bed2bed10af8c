package org.xenpv.sim.netback;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A frame crossing the simulated switch, with the offload state netif carries
 * along: checksum blank / data validated, and GSO type and segment size.
 *
 * <p>The frame is the first {@link #length()} bytes of {@link #data()}. Frames
 * a netback takes from its guest come from that queue's {@link Pool} and go
 * back to it once every port that queued one has copied it out, so that a
 * frame crossing the switch allocates nothing: a port that keeps a frame
 * beyond {@link SimSwitch.Port#deliver} takes a reference ({@link #retain})
 * and gives it back ({@link #release}). A frame made with the constructor
 * belongs to no pool, and both are harmless on it.
 */
public final class SimFrame {
    /** The smallest buffer a pool makes, so that frames of a few sizes share them. */
    private static final int MIN_POOLED = 2048;

    private byte[] data;
    private int length;
    private boolean checksumBlank;
    private boolean dataValidated;
    private int gsoType;
    private int gsoSize;
    private final Pool pool;
    /** Holders of a pooled frame: its sender while it crosses the switch, and each queue that holds it. */
    private final AtomicInteger references = new AtomicInteger();
    /** The next free frame of its pool. */
    private SimFrame nextFree;

    public SimFrame(byte[] data, boolean checksumBlank, boolean dataValidated, int gsoType, int gsoSize) {
        this.pool = null;
        this.data = data;
        this.length = data.length;
        this.checksumBlank = checksumBlank;
        this.dataValidated = dataValidated;
        this.gsoType = gsoType;
        this.gsoSize = gsoSize;
    }

    private SimFrame(Pool pool, int capacity) {
        this.pool = pool;
        this.data = new byte[capacity];
    }

    public static SimFrame plain(byte[] data) {
        return new SimFrame(data, false, false, 0, 0);
    }

    /** The bytes: the frame is the first {@link #length()} of them. */
    public byte[] data() {
        return data;
    }

    public int length() {
        return length;
    }

    public boolean checksumBlank() {
        return checksumBlank;
    }

    public boolean dataValidated() {
        return dataValidated;
    }

    public int gsoType() {
        return gsoType;
    }

    public int gsoSize() {
        return gsoSize;
    }

    /** Sets the offload state of a pooled frame being filled. */
    void offload(boolean blank, boolean validated, int type, int size) {
        this.checksumBlank = blank;
        this.dataValidated = validated;
        this.gsoType = type;
        this.gsoSize = size;
    }

    /** One more holder; a frame without a pool needs none. */
    void retain() {
        if (pool != null) {
            references.incrementAndGet();
        }
    }

    /** A holder is done with it: the last one hands it back to its pool. */
    void release() {
        if (pool != null && references.decrementAndGet() == 0) {
            pool.free(this);
        }
    }

    long destination() {
        return mac(0);
    }

    long source() {
        return mac(6);
    }

    private long mac(int offset) {
        long value = 0;
        for (int i = 0; i < 6; i++) {
            value = value << 8 | (data[offset + i] & 0xff);
        }
        return value;
    }

    @Override
    public String toString() {
        return "SimFrame[" + length + " bytes, blank " + checksumBlank + ", validated " + dataValidated + ", gso "
                + gsoType + "/" + gsoSize + "]";
    }

    /**
     * The frames of one netback queue: taken on that queue's thread alone,
     * given back by whichever thread lets go of one last. Given-back frames
     * wait on a lock-free stack that the taker empties whole, so that neither
     * side allocates or locks per frame (one taker: no ABA on the stack).
     * A frame its taker's own thread lets go of last (a TX batch copied into
     * another vif's ring by the sending queue's thread) goes straight back
     * onto the taker's list, with no atomic instruction.
     */
    static final class Pool {
        private final AtomicReference<SimFrame> returned = new AtomicReference<>();
        /** The taker's own free frames. */
        private SimFrame free;
        /**
         * The taker's thread, written by it at each take; another thread may
         * read a stale value, which is never its own, so it takes the stack.
         */
        private Thread taker;

        /** A frame of at least {@code length} bytes, held once (by the caller). */
        SimFrame take(int length) {
            SimFrame frame = free;
            if (frame == null) {
                frame = returned.getAndSet(null);
            }
            // One too small for this frame is left to the collector: sizes settle on the traffic's largest.
            while (frame != null && frame.data.length < length) {
                frame = frame.nextFree;
            }
            if (frame == null) {
                frame = new SimFrame(this, Math.max(MIN_POOLED, Integer.highestOneBit(Math.max(1, length - 1)) << 1));
                free = null;
            } else {
                free = frame.nextFree;
                frame.nextFree = null;
            }
            frame.length = length;
            // No fence: the frame reaches other threads only through a lock (a queue's pendingRx) or a stack's CAS.
            frame.references.lazySet(1);
            taker = Thread.currentThread();
            return frame;
        }

        private void free(SimFrame frame) {
            if (taker == Thread.currentThread()) {
                frame.nextFree = free;
                free = frame;
                return;
            }
            SimFrame head;
            do {
                head = returned.get();
                frame.nextFree = head;
            } while (!returned.compareAndSet(head, frame));
        }
    }
}
