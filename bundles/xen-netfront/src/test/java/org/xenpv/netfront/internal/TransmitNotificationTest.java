package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.netif.TxResponse;
import org.xenpv.abi.ring.BackRing;
import org.xenpv.net.Offload;
import org.xenpv.net.SendStatus;

/**
 * When a sender tells the backend, against a backend played by the test on
 * the TX ring's page: every frame is published (the last of a burst too),
 * and the backend is notified only when its req_event asks for it (ring.h's
 * push-and-check), so that a burst of plain sends to a backend still busy
 * with earlier requests costs one notification, not one per frame. The
 * simulated hypervisor calls dom0's handler on the sender's thread, so the
 * count is exact when a send returns.
 */
class TransmitNotificationTest {
    private static final int TX_BUFFERS = 32;

    private QueueWithTestBackend fixture;
    private NetfrontNic nic;
    private NetfrontQueue queue;
    private BackRing backend;
    private AtomicInteger notifications;
    private final ByteBuffer frame = ByteBuffer.allocate(60);

    @BeforeEach
    void queueAndBackend() throws Exception {
        use(new QueueWithTestBackend(QueueWithTestBackend.Ring.TX, TX_BUFFERS));
    }

    /** Replaces the fixture with one whose queue's thread looks at its TX answers once a second. */
    private void withOneSecondTxLooks() throws Exception {
        fixture.close();
        use(new QueueWithTestBackend(QueueWithTestBackend.Ring.TX, TX_BUFFERS, TimeUnit.SECONDS.toMicros(1)));
    }

    private void use(QueueWithTestBackend newFixture) {
        fixture = newFixture;
        nic = fixture.nic;
        queue = fixture.queue;
        backend = fixture.backend;
        notifications = fixture.notifications;
    }

    @AfterEach
    void release() throws Exception {
        fixture.close();
    }

    /** What the backend sees published: the request producer on the shared page. */
    private int published() {
        return backend.acquireRequestProducer();
    }

    /** The backend takes every request published, answers it, and goes idle asking for the next (req_event). */
    private void backendDrainsAndGoesIdle() throws Exception {
        int producer = backend.acquireRequestProducer();
        ByteBuffer page = backend.page();
        while (backend.requestConsumer() != producer) {
            int at = backend.consumeRequestSlot();
            TxResponse.write(page, backend.claimResponseSlot(),
                    Short.toUnsignedInt(page.getShort(at + TxRequest.ID_OFFSET)), Netif.NETIF_RSP_OKAY);
        }
        if (backend.pushResponsesAndCheckNotify()) {
            fixture.notifyQueue();
        }
        assertEquals(false, backend.finalCheckForRequests(), "nothing more was published meanwhile");
    }

    /** The backend answers the next {@code count} requests and publishes the answers; whether it must notify. */
    private boolean backendAnswers(int count) {
        ByteBuffer page = backend.page();
        for (int i = 0; i < count; i++) {
            int at = backend.consumeRequestSlot();
            TxResponse.write(page, backend.claimResponseSlot(),
                    Short.toUnsignedInt(page.getShort(at + TxRequest.ID_OFFSET)), Netif.NETIF_RSP_OKAY);
        }
        return backend.pushResponsesAndCheckNotify();
    }

    /** Waits until the queue's thread, with nothing in flight, sleeps with no timer: senders then ask for events. */
    private void queueThreadSleepsUntilAnEvent() throws InterruptedException {
        Thread worker = QueueWithTestBackend.queueThread();
        SimWorld.waitFor("the queue's thread to sleep until an event",
                () -> worker.getState() == Thread.State.WAITING && LockSupport.getBlocker(worker) == queue);
    }

    /** TX slots whose page the backend holds unanswered, as the driver's statistics show them. */
    private long slotsAwaitingAnswers() {
        return nic.driverStatistics().get("queue_0_tx_slots_awaiting_answers");
    }

    private long txPackets() {
        return nic.statistics().total().txPackets();
    }

    @Test
    void aSenderThatKeepsSendingTakesTheCompletionsItselfAndTheLastAnswerBringsTheEvent() throws Exception {
        queueThreadSleepsUntilAnEvent();
        for (int i = 0; i < 4; i++) {
            assertTrue(nic.send(frame.duplicate(), Offload.NONE));
        }
        assertFalse(backendAnswers(2), "two of four answered: the frontend asked for no event yet");
        assertEquals(0, txPackets(), "nothing took them: no event came, and the sleeping thread does not poll TX");

        assertTrue(nic.send(frame.duplicate(), Offload.NONE));
        assertEquals(2, txPackets(), "the sender took the answers waiting as it published the fifth frame");
        assertFalse(backendAnswers(2), "the fifth frame is still in flight");

        assertTrue(backendAnswers(1), "every frame sent is answered: the frontend asked to hear of it");
        fixture.notifyQueue();
        SimWorld.waitFor("the queue's thread to take the last completions", () -> txPackets() == 5);
        assertEquals(0, slotsAwaitingAnswers(), "every TX id and its buffer came back");
    }

    /**
     * Two frames sent to a thread asleep until an event (the sender asks for one at
     * the second), the first answered, which the thread takes and then sleeps on its timer; three more sent
     * meanwhile, for which no event is asked. Returns the queue's thread.
     */
    private Thread fiveFramesTheLastThreeSentWhileTheQueuesThreadHasATimer() throws Exception {
        Thread worker = QueueWithTestBackend.queueThread();
        queueThreadSleepsUntilAnEvent();
        assertTrue(nic.send(frame.duplicate(), Offload.NONE));
        assertTrue(nic.send(frame.duplicate(), Offload.NONE));
        assertFalse(backendAnswers(1), "the sender asked for an event at its last request, the second");
        fixture.notifyQueue(); // an honest backend may notify more than it was asked to
        SimWorld.waitFor("the queue's thread to take the first answer and sleep on its timer, one frame in flight",
                () -> txPackets() == 1 && worker.getState() == Thread.State.TIMED_WAITING);
        for (int i = 0; i < 3; i++) {
            assertTrue(nic.send(frame.duplicate(), Offload.NONE), "the thread looks on its timer: no event asked");
        }
        return worker;
    }

    @Test
    void answersToRequestsInFlightWhenTheQueuesThreadSleepsAreTakenOnItsTimerWithoutAnEvent() throws Exception {
        withOneSecondTxLooks(); // long enough for the steps below to fit in one interval
        Thread worker = fiveFramesTheLastThreeSentWhileTheQueuesThreadHasATimer();
        assertTrue(backendAnswers(1), "the answer to the second request crosses the event asked for");
        fixture.notifyQueue();
        SimWorld.waitFor("the queue's thread to take it and sleep on its timer again",
                () -> txPackets() == 2 && worker.getState() == Thread.State.TIMED_WAITING);
        assertFalse(backendAnswers(3), "no event was asked for the three frames sent while the thread had a timer");
        SimWorld.waitFor("the queue's thread to take their answers on its timer", () -> txPackets() == 5);
        assertEquals(0, slotsAwaitingAnswers(), "every TX id and its buffer came back");
    }

    /**
     * Frames sent before a down() are still the backend's to answer after it:
     * their pages and counts come back only when the answers are taken, so the
     * queue's thread keeps looking after them, and asks for the event that
     * announces the last one before it sleeps. (Found by fuzzing: it slept
     * without asking when the Nic was down, and the answers waited for up() or
     * close, or not, depending on whether a sender had asked first.)
     */
    @Test
    void answersToFramesSentBeforeADownAreAskedForAndTakenWhileTheNicIsDown() throws Exception {
        withOneSecondTxLooks(); // long enough for the steps below to fit in one interval
        Thread worker = fiveFramesTheLastThreeSentWhileTheQueuesThreadHasATimer();
        nic.down();

        assertTrue(backendAnswers(1), "the answer to the second request crosses the event asked for");
        fixture.notifyQueue();
        SimWorld.waitFor("the queue's thread to take it, look on its timer, and sleep until an event",
                () -> txPackets() == 2 && worker.getState() == Thread.State.WAITING
                        && LockSupport.getBlocker(worker) == queue);
        assertTrue(backendAnswers(3), "the thread asked to hear of the last frame sent before the down()");
        fixture.notifyQueue();
        SimWorld.waitFor("the queue's thread to take their answers while the Nic is down", () -> txPackets() == 5);
        assertEquals(0, slotsAwaitingAnswers(), "every TX id and its buffer came back");
    }

    @Test
    void aBurstOfPlainSendsToABusyBackendIsAllPublishedWithOneNotification() throws Exception {
        assertTrue(nic.send(frame.duplicate(), Offload.NONE));
        assertEquals(1, notifications.get(), "the idle backend asked for the first request (req_event 1)");
        for (int i = 2; i <= 10; i++) {
            assertTrue(nic.send(frame.duplicate(), Offload.NONE));
            assertEquals(i, published(), "frame " + i + " is published as it is sent");
            assertEquals(1, notifications.get(), "the backend has not looked again: no notification for frame " + i);
        }

        backendDrainsAndGoesIdle();
        assertTrue(nic.send(frame.duplicate(), Offload.NONE));
        assertEquals(11, published());
        assertEquals(2, notifications.get(), "the backend went idle asking for request 11: it is told");
        for (int i = 12; i <= 16; i++) {
            assertTrue(nic.send(frame.duplicate(), Offload.NONE));
        }
        assertEquals(16, published(), "the last frame of the burst is published");
        assertEquals(2, notifications.get());
    }

    @Test
    void framesOfferedWithMoreArePublishedByTheLastOneWithOneNotification() {
        for (int i = 1; i <= 9; i++) {
            assertEquals(SendStatus.QUEUED, nic.offer(frame.duplicate(), Offload.NONE, true));
        }
        assertEquals(0, published(), "deferred while more come");
        assertEquals(0, notifications.get());
        assertEquals(SendStatus.QUEUED, nic.offer(frame.duplicate(), Offload.NONE, false));
        assertEquals(10, published(), "the frame without more publishes the burst, itself included");
        assertEquals(1, notifications.get());

        assertEquals(SendStatus.QUEUED, nic.offer(frame.duplicate(), Offload.NONE, true));
        nic.flush();
        assertEquals(11, published(), "flush publishes what more deferred");
        assertEquals(1, notifications.get(), "the backend is still busy with the first ten");
    }

    @Test
    void aBurstThatFillsTheRingIsPublishedWholeWhenTheRingIsFull() throws Exception {
        int queued = 0;
        SendStatus status;
        while ((status = nic.offer(frame.duplicate(), Offload.NONE, true)) == SendStatus.QUEUED) {
            queued++;
        }
        assertEquals(SendStatus.FULL, status);
        assertEquals(TX_BUFFERS, queued, "as many frames as TX buffers");
        assertEquals(queued, published(), "a full ring is published: the backend must hear of it to drain it");
        assertEquals(1, notifications.get());

        backendDrainsAndGoesIdle();
        assertEquals(SendStatus.QUEUED, nic.offer(frame.duplicate(), Offload.NONE, false),
                "room again once the sender took the backend's answers");
        assertEquals(queued + 1, published());
        assertEquals(2, notifications.get());
    }
}
