package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.extension.ExtendWith;
import org.pastalab.fray.junit.junit5.FrayTestExtension;
import org.pastalab.fray.junit.junit5.annotations.FrayTest;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.netif.TxResponse;
import org.xenpv.abi.ring.BackRing;
import org.xenpv.net.NicStatistics;
import org.xenpv.net.Offload;

/**
 * The hand-offs between a queue's thread and the threads around it, under
 * interleavings Fray explores (each test runs many times, each time in
 * another order of the threads' synchronising steps; docs/testing.md says
 * how to run one alone and replay a failure). The queue runs on plain
 * memory ({@link QueueOnHeapPages}); the test's threads play the backend,
 * the event dispatcher, senders, and the device's down, up and teardown.
 *
 * <p>A thread that waits for something another must do waits without a
 * timeout where it can: a lost wake-up then leaves every thread blocked, and
 * Fray reports the deadlock with each thread's stack.
 */
@ExtendWith(FrayTestExtension.class)
class QueueHandOffsFrayTest {
    private static final int ITERATIONS = 300;
    private static final int FRAMES = 3;
    /** Bounds a wait for a queue's thread that sleeps on its timer: each round is one of Fray's timeouts. */
    private static final int TIMER_ROUNDS = 1_000;

    private static NetfrontConfig config() {
        return new NetfrontConfig(1, 18, 18, 5_000, NetfrontConfig.DEFAULT_POLL_MICROS,
                NetfrontConfig.DEFAULT_TX_COMPLETION_MICROS);
    }

    /**
     * A response the backend publishes is taken, or the queue's thread is
     * awake to take it: the backend publishes frames one by one and sends an
     * event only when rsp_event asks for one, while the queue's thread
     * passes, polls, asks for the RX event and parks.
     */
    @FrayTest(iterations = ITERATIONS, scheduler = SeededPosScheduler.class)
    void aPublishedResponseIsTakenOrTheQueuesThreadIsAwakeToTakeIt() throws Exception {
        try (QueueOnHeapPages vif = new QueueOnHeapPages(config(), false)) {
            CountDownLatch delivered = new CountDownLatch(FRAMES);
            vif.nic.setReceiver((queue, frame, offload) -> delivered.countDown());
            Thread backend = receivingBackend(vif);
            backend.start();
            delivered.await();
            backend.join();
            vif.release();
            NicStatistics.QueueCounters counters = vif.nic.statistics().total();
            assertEquals(FRAMES, counters.rxPackets(), "each frame counted once, as received");
            assertEquals(0, counters.rxDropped() + counters.rxErrors());
            assertNull(vif.broken.get());
        }
    }

    /**
     * Every frame two senders queue is answered and its page comes back, and
     * no notification is lost either way: the backend waits for the
     * frontend's notification without a timeout, as netback does, and the
     * queue's thread leaves the answers to a sender that holds the TX lock,
     * or asks for the event at the last request while senders publish as it
     * goes to sleep.
     */
    @FrayTest(iterations = ITERATIONS, scheduler = SeededPosScheduler.class)
    void everyFrameQueuedIsAnsweredAndItsPageComesBack() throws Exception {
        try (QueueOnHeapPages vif = new QueueOnHeapPages(config(), false)) {
            Thread[] senders = new Thread[2];
            for (int s = 0; s < senders.length; s++) {
                senders[s] = new Thread(() -> {
                    for (int i = 0; i < FRAMES; i++) {
                        assertTrue(vif.queue.send(ByteBuffer.allocate(60), Offload.NONE, true));
                    }
                }, "sender-" + s);
                senders[s].start();
            }
            int frames = senders.length * FRAMES;
            Thread backend = new Thread(() -> answer(vif, frames), "backend");
            backend.start();
            for (Thread sender : senders) {
                sender.join();
            }
            backend.join();
            awaitOnTimers("every answer taken", () -> slotsAwaitingAnswers(vif) == 0);
            assertEquals(frames, vif.nic.statistics().total().txPackets(), "each frame counted once, as sent");
            vif.release();
            assertEquals(frames, vif.nic.statistics().total().txPackets());
            assertEquals(0, vif.nic.statistics().total().txDropped());
            assertNull(vif.broken.get());
        }
    }

    /**
     * The device's teardown while a sender sends and the backend answers:
     * release ends the queue's thread and gives every page back once, and
     * each frame is counted once: sent (answered), or dropped (refused, or in
     * flight when the connection ended).
     */
    @FrayTest(iterations = ITERATIONS, scheduler = SeededPosScheduler.class)
    void teardownEndsTheThreadAndCountsEachFrameOnce() throws Exception {
        try (QueueOnHeapPages vif = new QueueOnHeapPages(config(), true)) {
            Thread sender = new Thread(() -> {
                for (int i = 0; i < FRAMES; i++) {
                    vif.queue.send(ByteBuffer.allocate(60), Offload.NONE, true);
                }
            }, "sender");
            AtomicInteger answered = new AtomicInteger();
            Thread backend = new Thread(() -> answerWhileNotified(vif, answered), "backend");
            sender.start();
            backend.start();
            vif.release();
            sender.join();
            vif.notified.release(); // the backend's last look
            backend.join();
            NicStatistics.QueueCounters counters = vif.nic.statistics().total();
            assertEquals(FRAMES, counters.txPackets() + counters.txDropped(),
                    "each frame counted once: " + counters);
            assertTrue(counters.txPackets() <= answered.get());
            assertFalse(queueThreadAlive(), "the queue's thread ended");
            assertNull(vif.broken.get());
        }
    }

    /**
     * down() and up() while frames arrive: frames published while the Nic is
     * down wait in the ring, and up() looks at once, so none waits for an
     * event that will not come.
     */
    @FrayTest(iterations = ITERATIONS, scheduler = SeededPosScheduler.class)
    void framesPublishedAcrossADownAndUpAreTakenAfterTheUp() throws Exception {
        try (QueueOnHeapPages vif = new QueueOnHeapPages(config(), true)) {
            CountDownLatch delivered = new CountDownLatch(FRAMES);
            vif.nic.setReceiver((queue, frame, offload) -> delivered.countDown());
            Thread backend = receivingBackend(vif);
            Thread operator = new Thread(() -> {
                vif.nic.down();
                vif.nic.up();
            }, "operator");
            backend.start();
            operator.start();
            operator.join();
            backend.join();
            // Frames delivered while the Nic was down are dropped and counted so; the rest are delivered.
            awaitOnTimers("every frame taken", () -> {
                NicStatistics.QueueCounters c = vif.nic.statistics().total();
                return c.rxPackets() + c.rxDropped() == FRAMES;
            });
            assertNull(vif.broken.get());
        }
    }

    /**
     * A backend that fills posted RX buffers with {@link #FRAMES} frames one
     * by one, publishing each and sending an event only when rsp_event asks
     * for one, as netback does.
     */
    private static Thread receivingBackend(QueueOnHeapPages vif) {
        return new Thread(() -> {
            for (int i = 0; i < FRAMES; i++) {
                respond(vif.rxBackend, 60 + i);
                if (vif.rxBackend.pushResponsesAndCheckNotify()) {
                    vif.event(false, true);
                }
            }
        }, "backend");
    }

    /** The backend's answer to the next {@code length}-byte frame: the next posted RX buffer filled. */
    private static void respond(BackRing rx, int length) {
        ByteBuffer page = rx.page();
        int at = rx.consumeRequestSlot();
        int id = Short.toUnsignedInt(page.getShort(at + RxRequest.ID_OFFSET));
        RxResponse.write(page, rx.claimResponseSlot(), id, 0, 0, length);
    }

    /** Netback's TX loop until {@code frames} are answered: it sleeps until notified when it finds no request. */
    private static void answer(QueueOnHeapPages vif, int frames) {
        BackRing tx = vif.txBackend;
        int answered = 0;
        while (true) {
            answered += answerPublished(vif);
            if (answered == frames) {
                return;
            }
            if (!tx.finalCheckForRequests()) {
                vif.notified.acquireUninterruptibly();
            }
        }
    }

    /** As {@link #answer}, until the frontend's channel closes. */
    private static void answerWhileNotified(QueueOnHeapPages vif, AtomicInteger answered) {
        while (true) {
            answered.addAndGet(answerPublished(vif));
            if (!vif.txBackend.finalCheckForRequests()) {
                vif.notified.acquireUninterruptibly();
                if (!vif.queueOpen()) {
                    return;
                }
            }
        }
    }

    private static int answerPublished(QueueOnHeapPages vif) {
        BackRing tx = vif.txBackend;
        ByteBuffer page = tx.page();
        int answered = 0;
        int producer = tx.acquireRequestProducer();
        while (tx.requestConsumer() != producer) {
            int at = tx.consumeRequestSlot();
            TxResponse.write(page, tx.claimResponseSlot(),
                    Short.toUnsignedInt(page.getShort(at + TxRequest.ID_OFFSET)), Netif.NETIF_RSP_OKAY);
            answered++;
        }
        if (answered > 0 && tx.pushResponsesAndCheckNotify()) {
            vif.event(true, false);
        }
        return answered;
    }

    private static long slotsAwaitingAnswers(QueueOnHeapPages vif) {
        return vif.nic.driverStatistics().get("queue_0_tx_slots_awaiting_answers");
    }

    private static boolean queueThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("xenpv-netfront-vif-0-q0") && t.isAlive());
    }

    /**
     * Waits for what a queue's thread does on its timer: under Fray a timed
     * sleep ends only when no thread can run, so each round lets the queue's
     * timer fire or the queue's thread finish.
     */
    private static void awaitOnTimers(String what, java.util.function.BooleanSupplier done) {
        for (int round = 0; !done.getAsBoolean(); round++) {
            assertTrue(round < TIMER_ROUNDS, "timed out waiting for " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
