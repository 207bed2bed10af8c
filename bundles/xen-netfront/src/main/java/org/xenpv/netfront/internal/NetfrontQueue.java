package org.xenpv.netfront.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.evtchn.EventChannels;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.gnttab.Revocation;
import org.xenpv.net.Offload;
import org.xenpv.net.SendStatus;
import org.xenpv.xenstore.XenStoreException;
import org.xenpv.xenstore.XenStoreOperations;

/**
 * One netif queue: a TX and an RX ring shared with the backend, their event
 * channel(s), pools of granted pages for frame data, and a thread. It puts
 * together units of one concern each (docs/netfront.md draws them):
 * <ul>
 * <li>{@link QueueResources}: the grants and channels, made and given back;</li>
 * <li>{@link RingEvents}: the event handler, which only wakes the thread;</li>
 * <li>{@link TxPath} and {@link RxPath} (with {@link RxPackets}): the two directions, which read what the backend
 * wrote once, check it, and return a verdict;</li>
 * <li>{@link QueueRunner} with {@link PollThenSleep}: the thread, its passes, and its polling and coalescing;</li>
 * <li>{@link QueueStatus}: whether frames flow, and the one place a verdict marks the queue broken.</li>
 * </ul>
 * This class is the queue's agent: a pass takes TX answers, then receives.
 */
final class NetfrontQueue implements AutoCloseable, QueueRunner.Agent {
    private static final Logger LOG = LoggerFactory.getLogger(NetfrontQueue.class);
    static final int PAGE = 4096;
    /** A page of zeros, read-only: what is left of a buffer the backend may read is zeroed from it. */
    static final ByteBuffer ZERO_PAGE = ByteBuffer.allocateDirect(PAGE).asReadOnlyBuffer();
    private static final long STOP_WAIT_MILLIS = TimeUnit.SECONDS.toMillis(10);

    /** What a queue reports to its device. */
    interface Owner extends RxPackets.Delivery {
        void broken(String reason);
    }

    private final int index;
    private final QueueCounters counters;
    private final QueueStatus status;
    private final RingEvents events;
    private final QueueResources resources;
    private final TxPath tx;
    private final RxPath rx;
    private final QueueRunner runner;

    /**
     * Grants the rings and buffer pools, binds the event channel(s) and
     * starts the queue's thread, which waits for events.
     *
     * @param threadName the name of the queue's thread, so that a thread dump says which vif and queue it serves
     */
    NetfrontQueue(int index, String threadName, int backendDomid, GrantTable grants, EventChannels channels,
            Negotiated negotiated, NetfrontConfig config, QueueCounters counters, Owner owner)
            throws IOException {
        this(index, threadName, handler -> QueueResources.grant(index, backendDomid, grants, channels,
                negotiated.split(), config, handler), negotiated, config, counters, owner);
    }

    /** @param source makes the queue's rings, pools and channel(s), bound to the queue's event handler */
    NetfrontQueue(int index, String threadName, QueueResources.Source source, Negotiated negotiated,
            NetfrontConfig config, QueueCounters counters, Owner owner) throws IOException {
        this.index = index;
        this.counters = counters;
        this.status = new QueueStatus(index, owner);
        this.events = new RingEvents(status, counters, this::wake);
        this.resources = source.make(events);
        this.tx = new TxPath(index, resources, negotiated.trusted(), status, counters);
        this.rx = new RxPath(index, resources, negotiated.trusted(), status, counters, owner);
        this.runner = new QueueRunner(threadName, this, this, new PollThenSleep(config, status, tx, rx));
        events.watch(resources.tx, resources.rx);
        counters.connected(resources.channels());
        runner.start();
    }

    /** The event handler's wake-up: it looks at the rings only once they are watched, after the runner exists. */
    private void wake() {
        runner.wake();
    }

    /** Writes this queue's ring references and event channels into {@code dir}. */
    void writeKeys(XenStoreOperations store, String dir) throws XenStoreException {
        resources.writeKeys(store, dir);
    }

    /** Fills the RX ring with buffers; frames flow from now on, unless the backend broke the queue. */
    void start() {
        failIf(rx.start());
        // Responses that arrived while stopped were left in the ring, and their events are spent: look now.
        runner.wake();
    }

    /** Stops sending and delivering; what is in flight stays accounted until close. */
    void stop() {
        status.deactivate();
    }

    /**
     * Queues one frame; with {@code push} the backend is told at once,
     * otherwise at {@link #flush()}.
     *
     * @return false when the frame could not be queued (counted as dropped)
     */
    boolean send(ByteBuffer source, Offload offload, boolean push) {
        SendStatus sent = tx.enqueue(source, offload, push);
        if (sent != SendStatus.QUEUED) {
            counters.txDropped.increment();
        }
        return sent == SendStatus.QUEUED;
    }

    /** As {@link TxPath#enqueue}: counts nothing when the frame is not taken. */
    SendStatus enqueue(ByteBuffer source, Offload offload, boolean push) {
        return tx.enqueue(source, offload, push);
    }

    /** Publishes queued frames, notifying the backend once if it asked for it. */
    void flush() {
        tx.flush();
    }

    @Override
    public boolean doWork() {
        if (status.failed()) {
            return false;
        }
        String backwards = events.violation();
        if (backwards != null) {
            status.fail(backwards);
            return false;
        }
        if (tx.answersWaiting()) {
            tx.takeCompletions();
        }
        RxPath.Pass pass = rx.receive();
        if (pass == RxPath.Pass.VIOLATION) {
            status.fail(rx.violation());
        }
        return pass == RxPath.Pass.MORE;
    }

    @Override
    public void threadFailed(Throwable failure) {
        status.fail("the queue's thread failed: " + failure);
    }

    private void failIf(String violation) {
        if (violation != null) {
            status.fail(violation);
        }
    }

    int index() {
        return index;
    }

    /** The queue's state as an operator reads it beside its counters (see {@link NetfrontNic#driverStatistics}). */
    QueueRingState ringState() {
        return new QueueRingState(tx.responseConsumer(), tx.slotsAwaitingAnswers(), rx.buffersPosted(),
                runner.wakePending());
    }

    /**
     * Closes the event channels (no handler runs after this), stops the
     * thread, counts what the connection leaves in flight, then revokes every
     * grant while no sender or pass can touch a page.
     *
     * @return the least certain outcome of the revocations: {@link Revocation#DEFERRED} when the backend still
     *     maps a ring or buffer page (those then stay held, see {@link #pagesHeld})
     */
    Revocation release() {
        status.deactivate();
        resources.closeChannels();
        counters.disconnected();
        if (!runner.stop(STOP_WAIT_MILLIS)) {
            LOG.warn("queue {}: its thread did not stop within {} ms: the stack's receiver blocks", index,
                    STOP_WAIT_MILLIS);
        }
        return tx.closeOut(() -> rx.closeOut(resources::revokeAll));
    }

    /** Pages of this released queue that the backend still holds: its rings and pools, never used again. */
    int pagesHeld() {
        return resources.pagesHeld();
    }

    @Override
    public void close() {
        release();
    }
}
