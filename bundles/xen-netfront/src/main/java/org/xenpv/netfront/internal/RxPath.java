package org.xenpv.netfront.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.ring.FrontRing;
import org.xenpv.evtchn.EventChannel;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.PoolPage;

/**
 * A queue's receive path, on the queue's thread: granted buffers posted in
 * every free RX slot, the backend's responses read into packets
 * ({@link RxPackets}), and the RX event asked for only when the thread stops
 * looking. Runs under the RX lock, which start and the connection's end take too.
 */
final class RxPath {
    private static final Logger LOG = LoggerFactory.getLogger(RxPath.class);
    /** Packets received per pass before TX answers get their turn again (Linux's NAPI weight). */
    static final int BUDGET = 64;

    /** How a receive pass ended. */
    enum Pass {
        /** Everything published was taken. */
        DONE,
        /** The budget ran out with responses left: another pass is due. */
        MORE,
        /** The backend broke the protocol: see {@link RxPath#violation()}. */
        VIOLATION
    }

    private final int queue;
    private final FrontRing ring;
    private final PagePool pool;
    private final EventChannel channel;
    private final boolean trusted;
    private final QueueStatus status;
    private final ReentrantLock lock = new ReentrantLock();
    /** The buffer posted in each slot, by request id (= slot): null when the slot holds none. */
    private final PoolPage[] posted;
    private final RxPackets packets;
    /** The response producer as the last pass read it (under the lock). */
    private int lastProducer;
    /** Whether the last pass spent its budget with responses left. */
    private boolean budgetSpent;
    private String violation;

    RxPath(int queue, QueueResources resources, boolean trusted, QueueStatus status, QueueCounters counters,
            RxPackets.Delivery delivery) {
        this.queue = queue;
        this.ring = resources.rx;
        this.pool = resources.rxPool;
        this.channel = resources.rxChannel;
        this.trusted = trusted;
        this.status = status;
        this.posted = new PoolPage[ring.capacity()];
        this.packets = new RxPackets(queue, ring, pool, posted, counters, delivery);
    }

    /**
     * Fills the ring with buffers; frames flow from now on, unless the backend broke the queue.
     *
     * @return null, or the violation found
     */
    String start() {
        lock.lock();
        try {
            return status.activate() ? postBuffers() : null;
        } finally {
            lock.unlock();
        }
    }

    /** One pass: up to {@link #BUDGET} packets, then the ring refilled in one batch. */
    Pass receive() {
        lock.lock();
        try {
            budgetSpent = false;
            violation = receiveLocked();
            if (violation != null) {
                return Pass.VIOLATION;
            }
            return budgetSpent && status.active() ? Pass.MORE : Pass.DONE;
        } finally {
            lock.unlock();
        }
    }

    /** Why the last pass found the protocol broken. */
    String violation() {
        return violation;
    }

    private String receiveLocked() {
        if (!status.active()) {
            return null;
        }
        int budget = BUDGET;
        do {
            int producer = ring.acquireResponseProducer();
            if (!ring.isPlausibleResponseProducer(producer)) {
                return "RX response producer " + producer + " is beyond the buffers posted";
            }
            if (producer - lastProducer < 0) {
                return "RX response producer went backwards from " + lastProducer + " to " + producer;
            }
            lastProducer = producer;
            while (ring.responseConsumer() != producer) {
                if (budget == 0) {
                    budgetSpent = true;
                    return status.active() ? postBuffers() : null;
                }
                int consumed = packets.receiveOne(producer);
                if (consumed < 0) {
                    return packets.violation();
                }
                budget--;
                ring.setResponseConsumer(ring.responseConsumer() + consumed);
            }
            if (!status.active()) {
                return null;
            }
            String posting = postBuffers();
            if (posting != null) {
                return posting;
            }
            // The RX event stays unarmed here: the thread polls the ring next, and asks for an event only
            // when it stops polling (armEventAndCheck), so responses that come meanwhile cost none.
        } while (ring.unconsumedResponses() != 0);
        return null;
    }

    /**
     * For the queue's thread's poll, without the lock (a stale consumer only
     * costs a pass that finds nothing): whether responses wait.
     */
    boolean responsesWaiting() {
        return ring.acquireResponseProducer() != ring.responseConsumer();
    }

    /**
     * Before the queue's thread sleeps: asks the backend for an event at the
     * next response, then looks once more (RING_FINAL_CHECK_FOR_RESPONSES, as
     * Linux's netfront does when its NAPI poll completes). A response
     * published before the request for an event was seen is found by that
     * look; one published after it sees the request and sends the event.
     *
     * @return whether responses wait (a pass is due instead of sleeping)
     */
    boolean armEventAndCheck() {
        lock.lock();
        try {
            return status.active() && !status.failed() && ring.finalCheckForResponses();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Posts a granted buffer in every free slot.
     *
     * @return null, or the violation found
     */
    private String postBuffers() {
        ByteBuffer page = ring.page();
        int mask = ring.capacity() - 1;
        int count = 0;
        while (ring.freeRequests() > 0) {
            int id = ring.requestProducerPrivate() & mask;
            if (posted[id] != null) {
                return "RX slot " + id + " is still in use";
            }
            PoolPage buffer = pool.acquire();
            if (buffer == null) {
                break;
            }
            if (!trusted) {
                buffer.buffer().put(0, NetfrontQueue.ZERO_PAGE, 0, NetfrontQueue.PAGE);
            }
            posted[id] = buffer;
            RxRequest.write(page, ring.claimRequestSlot(), id, buffer.ref());
            count++;
        }
        if (count > 0 && ring.pushRequestsAndCheckNotify()) {
            try {
                channel.notifyRemote();
            } catch (IOException | IllegalStateException e) {
                // IllegalStateException: the channel closed under a pass racing the queue's close.
                if (status.active()) {
                    LOG.debug("queue {}: notify failed", queue, e);
                }
            }
        }
        return null;
    }

    /**
     * Counts the whole packets the backend placed in the ring and the
     * connection's end leaves untaken, then runs {@code next} with the lock
     * still held.
     */
    <T> T closeOut(Supplier<T> next) {
        lock.lock();
        try {
            if (!status.failed()) { // a broken ring's contents are not to be trusted any more
                packets.countLeftInRing();
            }
            return next.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Buffers posted that the backend has not filled, or filled and not yet
     * taken: read without the lock, which a pass holds while the stack takes
     * its frames, so it may lag a pass.
     */
    int buffersPosted() {
        return ring.publishedRequestProducer() - ring.responseConsumer();
    }
}
