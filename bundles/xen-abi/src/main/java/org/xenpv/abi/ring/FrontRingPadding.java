package org.xenpv.abi.ring;

import java.nio.ByteBuffer;

/**
 * The front end's two private indexes on cache lines of their own, as
 * Agrona pads a ring's producer and consumer apart: the request side is
 * written by whoever produces requests, the response side by whoever
 * consumes responses (and read by an event handler on another thread), and
 * a driver's TX and RX rings, made one after the other, would otherwise share
 * a line between their threads.
 *
 * <p>Fields of a class come after those of its superclass, so each layer
 * below is a block of its own: 128 bytes of padding (two lines, for the
 * adjacent-line prefetcher), then an index with an int beside it so that it
 * fills its 8 bytes and leaves no hole that a later field could be put in.
 */
final class FrontRingPadding {
    private FrontRingPadding() {
    }

    @SuppressWarnings("unused")
    abstract static sealed class Head extends SharedRing permits RequestSide {
        private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;

        Head(ByteBuffer page, RingEntryLayout layout) {
            super(page, layout);
        }
    }

    @SuppressWarnings("unused")
    abstract static sealed class RequestSide extends Head permits RequestSidePadding {
        /** req_prod_pvt: the next request slot this end fills. */
        int requestProducerPrivate;
        /** req_prod as this end last pushed it, for a thread of the front end that does not produce. */
        volatile int requestProducerPublished;

        RequestSide(ByteBuffer page, RingEntryLayout layout) {
            super(page, layout);
        }
    }

    @SuppressWarnings("unused")
    abstract static sealed class RequestSidePadding extends RequestSide permits ResponseSide {
        private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;

        RequestSidePadding(ByteBuffer page, RingEntryLayout layout) {
            super(page, layout);
        }
    }

    @SuppressWarnings("unused")
    abstract static sealed class ResponseSide extends RequestSidePadding permits Tail {
        /** rsp_cons: the next response to consume. */
        int responseConsumer;
        private int responseSideFill;

        ResponseSide(ByteBuffer page, RingEntryLayout layout) {
            super(page, layout);
        }
    }

    /** The next object on the heap starts 128 bytes after the response side. */
    @SuppressWarnings("unused")
    abstract static sealed class Tail extends ResponseSide permits FrontRing {
        private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;

        Tail(ByteBuffer page, RingEntryLayout layout) {
            super(page, layout);
        }
    }
}
