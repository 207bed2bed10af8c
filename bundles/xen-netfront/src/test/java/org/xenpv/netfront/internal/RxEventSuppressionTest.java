package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.ring.BackRing;

/**
 * The RX event while the queue's thread polls, against a backend played by
 * the test on the RX ring's page: the thread asks for an event (rsp_event)
 * only when it stops polling, so a response published during a pass or a
 * poll is announced by no event, and one published exactly as the poll ends
 * is still taken. The test holds the queue's RX lock to stop the thread at
 * its last look, between the end of its poll and its request for an event,
 * and publishes there: the window in which an event suppressed while polling
 * could leave a frame unseen for good.
 */
class RxEventSuppressionTest {
    /** Rounds in which the test stops the thread at its last look (pinned to one CPU, about 1 in 40 tries). */
    private static final int ROUNDS = 10;
    private static final int TRIES = 10_000;

    private QueueWithTestBackend fixture;
    private NetfrontQueue queue;
    private BackRing backend;
    private AtomicInteger notifications;
    private Thread worker;
    private final BlockingQueue<Integer> received = new LinkedBlockingQueue<>();

    @BeforeEach
    void queueAndBackend() throws Exception {
        fixture = new QueueWithTestBackend(QueueWithTestBackend.Ring.RX, 32);
        queue = fixture.queue;
        backend = fixture.backend;
        notifications = fixture.notifications;
        fixture.nic.setReceiver((q, frame, offload) -> received.add(frame.remaining()));
        worker = QueueWithTestBackend.queueThread();
    }

    @AfterEach
    void release() throws Exception {
        fixture.close();
    }

    /** Answers the next posted buffer with a frame of {@code length} bytes, as netback would, unpublished. */
    private void respond(int length) {
        ByteBuffer page = backend.page();
        assertTrue(backend.unconsumedRequests() > 0, "a buffer is posted");
        int at = backend.consumeRequestSlot();
        int id = Short.toUnsignedInt(page.getShort(at + RxRequest.ID_OFFSET));
        RxResponse.write(page, backend.claimResponseSlot(), id, 0, 0, length);
    }

    /** Publishes what was answered; notifies only when rsp_event asks, as netback does. Returns whether it did. */
    private boolean publish() throws Exception {
        if (backend.pushResponsesAndCheckNotify()) {
            fixture.notifyQueue();
            return true;
        }
        return false;
    }

    /** The queue's thread sleeps until an event, having asked for one at its consumer. */
    private boolean parkedAndArmed() {
        return worker.getState() == Thread.State.WAITING && LockSupport.getBlocker(worker) == queue
                && !queue.wakePending();
    }

    @Test
    void aResponsePublishedAsThePollEndsIsTakenWithoutAnEvent() throws Exception {
        ReentrantLock rxLock = queue.rxLockForTests();
        int caught = 0;
        for (int round = 0; caught < ROUNDS; round++) {
            assertTrue(round < TRIES, "the test took the RX lock before the poll ended in only " + caught
                    + " of " + round + " rounds");
            SimWorld.waitFor("the queue's thread to park, round " + round, this::parkedAndArmed);
            respond(60);
            assertTrue(publish(), "a response to a parked thread is announced");
            // Taken on the queue's thread, which then polls: the test takes the RX lock, mostly before the
            // poll ends; when not, the thread has parked meanwhile and the round is played again.
            assertEquals(60, received.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS), "round " + round);
            rxLock.lock();
            try {
                SimWorld.waitFor("the queue's thread at its last look or parked, round " + round,
                        () -> rxLock.hasQueuedThread(worker) || parkedAndArmed());
                if (!rxLock.hasQueuedThread(worker)) {
                    continue;
                }
                caught++;
                respond(1000 + round);
                assertFalse(publish(), "no event while the queue's thread has not asked for one");
            } finally {
                rxLock.unlock();
            }
            assertEquals(1000 + round, received.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS),
                    "the response published at the poll's end, round " + round);
        }
    }
}
