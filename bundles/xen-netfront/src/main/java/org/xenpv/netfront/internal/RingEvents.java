package org.xenpv.netfront.internal;

import org.xenpv.abi.ring.FrontRing;

/**
 * A queue's event handler, on the dispatcher's thread: it only looks whether
 * a ring's response producer moved and wakes the queue's thread, which does
 * the work. An event that finds nothing moved is spurious (a backend that
 * storms), and its port is re-armed late while such events persist (lateeoi).
 * The thread is also woken whenever responses wait unconsumed, as Linux's
 * netfront schedules its poll: a producer moved back and forth between two
 * events looks unchanged, and its responses must not wait for an event that
 * differs; with split channels, responses on the other ring are taken in the
 * same pass too. The events of a broken queue are all spurious, so its port
 * settles at the longest delay. Allocates nothing.
 */
final class RingEvents implements QueueResources.EventHandler {
    private final QueueStatus status;
    private final QueueCounters counters;
    private final Runnable wake;
    /** Null until the queue's rings exist: before that, only a backend that guessed the port can notify. */
    private volatile FrontRing tx;
    private volatile FrontRing rx;
    // The response producers as the last event saw them (the dispatcher's thread only).
    private int txSeenProducer;
    private int rxSeenProducer;
    /** A producer that went backwards, for the queue's thread to fail the queue with. */
    private volatile String producerWentBack;

    RingEvents(QueueStatus status, QueueCounters counters, Runnable wake) {
        this.status = status;
        this.counters = counters;
        this.wake = wake;
    }

    /** Starts looking at the queue's rings. */
    void watch(FrontRing txRing, FrontRing rxRing) {
        this.tx = txRing;
        this.rx = rxRing;
    }

    @Override
    public boolean onEvent(boolean lookAtTx, boolean lookAtRx) {
        FrontRing txFront = tx;
        FrontRing rxFront = rx;
        if (status.failed() || txFront == null || rxFront == null) {
            counters.spuriousEvents.increment();
            return false;
        }
        boolean work = false;
        int txProducer = txFront.acquireResponseProducer();
        if (lookAtTx && txProducer != txSeenProducer) {
            work = true;
            if (withinRing(txFront, txProducer)) {
                noteIfBackwards("TX", txSeenProducer, txProducer);
                txSeenProducer = txProducer;
            }
        }
        int rxProducer = rxFront.acquireResponseProducer();
        if (lookAtRx && rxProducer != rxSeenProducer) {
            work = true;
            if (withinRing(rxFront, rxProducer)) {
                noteIfBackwards("RX", rxSeenProducer, rxProducer);
                rxSeenProducer = rxProducer;
            }
        }
        // Both rings, whichever port fired: the queue's thread takes both in one pass. The consumers are read
        // without the paths' locks: a stale value is an older one, which only wakes the thread in vain.
        boolean waiting = txProducer != txFront.responseConsumer() || rxProducer != rxFront.responseConsumer();
        if (work || waiting) {
            wake.run();
        }
        if (!work) {
            counters.spuriousEvents.increment();
        }
        return work;
    }

    /**
     * Whether a producer is one the ring could hold. One that is not is left
     * to the queue's thread, which fails the queue if it reads it too, and is
     * not remembered: a producer a backend moved far ahead and back before the
     * thread looked would otherwise fail the queue later, at an honest event,
     * as if that one had gone backwards.
     */
    private static boolean withinRing(FrontRing ring, int producer) {
        return Integer.compareUnsigned(producer - ring.responseConsumer(), ring.capacity()) <= 0;
    }

    /** Notes a producer that went backwards (wrapping compared as ring.h does, by difference). */
    private void noteIfBackwards(String ring, int before, int now) {
        if (now - before < 0 && producerWentBack == null) {
            producerWentBack = ring + " response producer went backwards from " + before + " to " + now;
        }
    }

    /** Why the backend broke the queue, as events saw it; null while they saw nothing wrong. */
    String violation() {
        return producerWentBack;
    }
}
