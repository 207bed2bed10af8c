package org.xenpv.netfront.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.netif.ExtraInfo;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.ring.FrontRing;
import org.xenpv.evtchn.EventChannel;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.PoolPage;
import org.xenpv.net.Offload;
import org.xenpv.net.SendStatus;

/**
 * A queue's transmit path: senders copy frames into granted pages and
 * publish their requests; the backend's answers are taken back, by a sender
 * when its ring is full or as it publishes to a thread that sleeps with no
 * timer, otherwise by the queue's thread on its timer (see {@link PollThenSleep}).
 * Everything here runs under the TX lock, except the two hand-offs with
 * the queue's thread, which never waits for a sender:
 * <ul>
 * <li>{@link #takeCompletions}: the thread asks for answers to be taken and tries the lock; a sender that holds it
 * takes them as it lets go;</li>
 * <li>{@link #threadSleepsUntilEvent}: while the thread sleeps with no timer, a sender asks for the event that
 * announces its last request's answer.</li>
 * </ul>
 */
final class TxPath {
    private static final Logger LOG = LoggerFactory.getLogger(TxPath.class);

    private final int queue;
    private final FrontRing ring;
    private final PagePool pool;
    private final EventChannel channel;
    private final boolean trusted;
    private final QueueStatus status;
    private final QueueCounters counters;
    private final ReentrantLock lock = new ReentrantLock();
    private final TxInFlight inFlight;
    /**
     * Set by the queue's thread when it wants the answers taken; whoever holds
     * the lock takes them after letting go of it.
     */
    private volatile boolean completionsWanted;
    /** Set while the queue's thread sleeps until an event, with no timer: senders then ask for the event. */
    private volatile boolean threadSleepsUntilEvent;
    private final TxAnswers answers;

    TxPath(int queue, QueueResources resources, boolean trusted, QueueStatus status, QueueCounters counters) {
        this.queue = queue;
        this.ring = resources.tx;
        this.pool = resources.txPool;
        this.channel = resources.txChannel;
        this.trusted = trusted;
        this.status = status;
        this.counters = counters;
        this.inFlight = new TxInFlight(ring.capacity());
        this.answers = new TxAnswers(ring, pool, inFlight, counters);
    }

    /**
     * Queues one frame, counting nothing when it is not taken: the caller
     * decides whether a full ring is a drop or a reason to wait. With
     * {@code push} the backend is told at once, otherwise at {@link #flush()}.
     *
     * @return QUEUED, FULL (no room in the ring, its ids or its pages), or DROPPED (not active)
     */
    SendStatus enqueue(ByteBuffer source, Offload offload, boolean push) {
        SendStatus sent;
        boolean notify;
        lock.lock();
        try {
            sent = enqueueLocked(source, offload);
            notify = push && sent == SendStatus.QUEUED && pushLocked();
        } finally {
            lock.unlock();
        }
        afterUnlock(notify);
        return sent;
    }

    /** Publishes queued frames, notifying the backend once if it asked for it. */
    void flush() {
        boolean notify;
        lock.lock();
        try {
            notify = status.active() && pushLocked();
        } finally {
            lock.unlock();
        }
        afterUnlock(notify);
    }

    private SendStatus enqueueLocked(ByteBuffer source, Offload offload) {
        int length = source.remaining();
        int dataSlots = (length + NetfrontQueue.PAGE - 1) / NetfrontQueue.PAGE;
        boolean gso = offload.gso() != Offload.GsoType.NONE;
        int needed = dataSlots + (gso ? 1 : 0);
        if (!status.active()) {
            return SendStatus.DROPPED;
        }
        if (!hasRoom(needed, dataSlots)) {
            takeAnswersLocked();
            if (!status.active()) {
                return SendStatus.DROPPED;
            }
            if (!hasRoom(needed, dataSlots)) {
                return SendStatus.FULL;
            }
        }
        ByteBuffer page = ring.page();
        int start = source.position();
        for (int i = 0; i < dataSlots; i++) {
            int chunk = Math.min(NetfrontQueue.PAGE, length - i * NetfrontQueue.PAGE);
            PoolPage buffer = pool.acquire();
            ByteBuffer data = buffer.buffer();
            data.put(0, source, start + i * NetfrontQueue.PAGE, chunk);
            if (!trusted && chunk < NetfrontQueue.PAGE) {
                data.put(chunk, NetfrontQueue.ZERO_PAGE, 0, NetfrontQueue.PAGE - chunk);
            }
            int id = inFlight.take(buffer, i == 0 ? length : -1);
            int flags = i < dataSlots - 1 ? Netif.NETTXF_MORE_DATA : 0;
            if (i == 0) {
                flags |= headFlags(offload, gso);
            }
            TxRequest.write(page, ring.claimRequestSlot(), buffer.ref(), 0, flags, id, i == 0 ? length : chunk);
            if (i == 0 && gso) {
                ExtraInfo.writeGso(page, ring.claimRequestSlot(), 0, offload.gsoSegmentSize(),
                        offload.gso() == Offload.GsoType.TCPV4 ? Netif.XEN_NETIF_GSO_TYPE_TCPV4
                                : Netif.XEN_NETIF_GSO_TYPE_TCPV6, 0);
            }
        }
        if (gso) {
            counters.txGsoFrames.increment();
        }
        if (dataSlots > 1) {
            counters.txMultiSlotFrames.increment();
        }
        if (offload.checksumBlank()) {
            counters.txChecksumBlank.increment();
        }
        return SendStatus.QUEUED;
    }

    private static int headFlags(Offload offload, boolean gso) {
        int flags = 0;
        if (offload.checksumBlank()) {
            flags |= Netif.NETTXF_CSUM_BLANK | Netif.NETTXF_DATA_VALIDATED;
        } else if (offload.dataValidated()) {
            flags |= Netif.NETTXF_DATA_VALIDATED;
        }
        return gso ? flags | Netif.NETTXF_EXTRA_INFO : flags;
    }

    private boolean hasRoom(int slots, int pages) {
        return ring.freeRequests() >= slots && inFlight.free() >= pages && pool.available() >= pages;
    }

    /**
     * Publishes the queued requests. The answers to them are the queue's
     * thread's to take, on its timer; only while that thread sleeps with no
     * timer does the sender ask for an event, and then at its last request,
     * not at the next answer: a sender that keeps publishing moves the event
     * ahead with its requests, and the backend notifies once when the sender
     * stops and everything is answered. Answers already there are taken now
     * (as Linux's netfront collects its TX buffers on each transmit).
     *
     * @return whether the backend asked to be notified of the requests
     */
    private boolean pushLocked() {
        // The push ends with a full fence: this read of the flag comes after the requests are published.
        boolean notify = ring.pushRequestsAndCheckNotify();
        if (threadSleepsUntilEvent && ring.checkForResponsesAskingForEventAtLastRequest()) {
            takeAnswersLocked();
        }
        return notify;
    }

    /** What a sender does once it let go of the lock: the answers the queue's thread left to it, then notify. */
    private void afterUnlock(boolean notify) {
        if (completionsWanted) {
            takeWantedCompletions();
        }
        if (notify) {
            notifyBackend();
        }
    }

    /**
     * For the queue's thread: takes the answers now, or leaves them to the
     * sender that holds the lock. The thread asks (a volatile write, then a
     * try of the lock); a sender looks at the request after each release.
     * Either the thread gets the lock, or its try came while a sender held it,
     * and then that sender's release comes after the request in the order of
     * volatile accesses, so its look sees it: the answers are never left for
     * no one, and neither side waits.
     */
    void takeCompletions() {
        completionsWanted = true;
        takeWantedCompletions();
    }

    private void takeWantedCompletions() {
        while (completionsWanted && lock.tryLock()) {
            try {
                completionsWanted = false;
                takeAnswersLocked();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Takes the backend's answers, or fails the queue with why they cannot be taken. */
    private void takeAnswersLocked() {
        if (status.failed()) {
            return;
        }
        String violation = answers.takeLocked();
        if (violation != null) {
            status.fail(violation);
        }
    }

    private void notifyBackend() {
        try {
            channel.notifyRemote();
        } catch (IOException | IllegalStateException e) {
            // IllegalStateException: the channel was closed under a sender racing the queue's close; the
            // frame is counted by the caller like any frame of a queue that is going away.
            if (status.active()) {
                LOG.debug("queue {}: notify failed", queue, e);
            }
        }
    }

    // --- for the queue's thread, which reads the ring's indexes without the lock: a stale value is an older one ---

    /** Whether the backend published answers not taken yet. */
    boolean answersWaiting() {
        return ring.acquireResponseProducer() != ring.responseConsumer();
    }

    /** How far answers were taken (rsp_cons). */
    int responseConsumer() {
        return ring.responseConsumer();
    }

    /** Whether requests were published that have not been answered. */
    boolean requestsInFlight() {
        return ring.publishedRequestProducer() != ring.responseConsumer();
    }

    /** Tells senders whether the queue's thread sleeps with no timer (and so whether they must ask for events). */
    void threadSleepsUntilEvent(boolean sleeps) {
        threadSleepsUntilEvent = sleeps;
    }

    /**
     * With requests in flight, asks for the event that announces the answer
     * to the last one published, then looks once more.
     *
     * @return whether answers wait that no event will announce
     */
    boolean askForEventAtLastRequest() {
        int published = ring.publishedRequestProducer();
        return published != ring.responseConsumer() && ring.checkForResponsesAskingForEventAt(published);
    }

    // --- the connection's end ---

    /**
     * Counts what the connection's end leaves unanswered (answers already
     * published are taken first: those frames left), then runs {@code next}
     * with the lock still held, so that no sender touches a page meanwhile.
     */
    <T> T closeOut(Supplier<T> next) {
        lock.lock();
        try {
            takeAnswersLocked();
            answers.countUnanswered();
            return next.get();
        } finally {
            lock.unlock();
        }
    }

    /** Request slots holding a frame's page that the backend has not answered yet. */
    int slotsAwaitingAnswers() {
        lock.lock();
        try {
            return inFlight.capacity() - inFlight.free();
        } finally {
            lock.unlock();
        }
    }
}
