package org.xenpv.netfront.internal;

import org.xenpv.gnttab.PoolPage;

/**
 * {@link TxInFlight}'s fields between two blocks of 128 bytes (two lines,
 * for the adjacent-line prefetcher): the fields of a class come after those
 * of its superclass, so each layer is a block of its own.
 */
final class TxInFlightPadding {
    private TxInFlightPadding() {
    }

    @SuppressWarnings("unused")
    abstract static sealed class Head permits Fields {
        /** Fills the header's last 4 bytes, where the JVM would otherwise put a subclass's int. */
        private int headerFill;
        private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
    }

    abstract static sealed class Fields extends Head permits Tail {
        final PoolPage[] pages;
        final int[] frameLengths;
        final int[] freeIds;
        int freeCount;

        Fields(int capacity) {
            pages = new PoolPage[capacity];
            frameLengths = new int[capacity];
            freeIds = new int[capacity];
            // Taken from the top: the first frames get ids 0, 1, 2...
            for (int id = capacity - 1; id >= 0; id--) {
                freeIds[freeCount++] = id;
            }
        }
    }

    /** The next object on the heap starts 128 bytes after the count. */
    @SuppressWarnings("unused")
    abstract static sealed class Tail extends Fields permits TxInFlight {
        private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;

        Tail(int capacity) {
            super(capacity);
        }
    }
}
