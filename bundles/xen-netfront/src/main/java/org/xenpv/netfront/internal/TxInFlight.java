package org.xenpv.netfront.internal;

import org.xenpv.gnttab.PoolPage;

/**
 * A queue's TX request ids: which are free, and the page and frame length
 * each id in flight holds. Whoever holds the queue's TX lock changes it for
 * every frame, so its count lives on cache lines of its own (the padding
 * superclasses): as a field of the queue it shared a line with the flags the
 * queue's thread reads while it polls its RX ring, and each frame sent took
 * that line away from the polling core.
 *
 * <p>Not thread-safe: used under the TX lock, or once no one sends.
 */
final class TxInFlight extends TxInFlightPadding.Tail {
    TxInFlight(int capacity) {
        super(capacity);
    }

    /** The number of free ids. */
    int free() {
        return freeCount;
    }

    /**
     * Takes a free id for a slot carrying {@code page}; {@code frameLength}
     * is the frame's length for its first slot, -1 for the others.
     */
    int take(PoolPage page, int frameLength) {
        int id = freeIds[--freeCount];
        pages[id] = page;
        frameLengths[id] = frameLength;
        return id;
    }

    /** Whether {@code id}, a number another domain wrote, names a slot in flight. */
    boolean inFlight(int id) {
        return id >= 0 && id < pages.length && pages[id] != null;
    }

    /** The frame's length if {@code id} is a frame's first slot, otherwise -1. */
    int frameLength(int id) {
        return frameLengths[id];
    }

    /** Frees {@code id}, which must be in flight, and gives back its page. */
    PoolPage complete(int id) {
        PoolPage page = pages[id];
        pages[id] = null;
        freeIds[freeCount++] = id;
        return page;
    }

    /** Every id a backend could name, in flight or not. */
    int capacity() {
        return pages.length;
    }
}
