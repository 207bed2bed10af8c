package org.xenpv.abi.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.netif.TxResponse;

/**
 * A front end and a back end on two threads exchange millions of entries over
 * one page, sleeping only as the notify protocol allows (final check, then wait
 * for an event). Every request and response must arrive exactly once and in
 * order; a lost wake-up shows as a bounded wait that fails.
 */
class RingConcurrencyTest {

    private static final int ENTRIES = 2_000_000;
    private static final long WAKE_TIMEOUT_SECONDS = 20;

    /** Stands in for an event channel: notify releases, the sleeper acquires. */
    private static final class Doorbell {
        private final Semaphore rings = new Semaphore(0);
        private final String name;

        Doorbell(String name) {
            this.name = name;
        }

        void ring() {
            rings.release();
        }

        void await() throws InterruptedException {
            if (!rings.tryAcquire(WAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("no event on " + name + " within " + WAKE_TIMEOUT_SECONDS
                        + " s: a wake-up was lost");
            }
        }
    }

    @Test
    void entriesCrossTheRingExactlyOnceInOrder() throws Exception {
        ByteBuffer page = ByteBuffer.allocateDirect(4096);
        FrontRing front = FrontRing.initialise(page, Netif.TX_RING);
        BackRing back = BackRing.attach(page, Netif.TX_RING);
        Doorbell toBack = new Doorbell("front-to-back");
        Doorbell toFront = new Doorbell("back-to-front");

        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Long> frontEnd = threads.submit(() -> runFront(front, toBack, toFront));
            Future<Long> backEnd = threads.submit(() -> runBack(back, toBack, toFront));
            assertEquals(ENTRIES, get(backEnd), "requests the back end saw");
            assertEquals(ENTRIES, get(frontEnd), "responses the front end saw");
        } finally {
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static long get(Future<Long> end) throws Exception {
        try {
            return end.get(120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause().getMessage(), e.getCause());
        }
    }

    private static long runFront(FrontRing ring, Doorbell toBack, Doorbell toFront) throws InterruptedException {
        int sent = 0;
        long received = 0;
        while (received < ENTRIES) {
            int batch = 0;
            while (sent < ENTRIES && !ring.isFull() && batch < 64) {
                TxRequest.write(ring.page(), ring.claimRequestSlot(), sent, 0, 0, sent & 0xffff, 60);
                sent++;
                batch++;
            }
            if (batch > 0 && ring.pushRequestsAndCheckNotify()) {
                toBack.ring();
            }
            int producer = ring.acquireResponseProducer();
            if (!ring.isPlausibleResponseProducer(producer)) {
                throw new AssertionError("implausible response producer " + Integer.toUnsignedString(producer));
            }
            for (int i = ring.responseConsumer(); i != producer; i++) {
                TxResponse response = TxResponse.read(ring.page(), ring.slotOffset(i));
                if (response.id() != (int) (received & 0xffff) || response.status() != Netif.NETIF_RSP_OKAY) {
                    throw new AssertionError("response " + received + " came back as " + response);
                }
                received++;
            }
            ring.setResponseConsumer(producer);
            boolean canSendMore = sent < ENTRIES && !ring.isFull();
            if (!canSendMore && received < ENTRIES && !ring.finalCheckForResponses()) {
                toFront.await();
            }
        }
        return received;
    }

    private static long runBack(BackRing ring, Doorbell toBack, Doorbell toFront) throws InterruptedException {
        long expected = 0;
        while (expected < ENTRIES) {
            int producer = ring.acquireRequestProducer();
            if (!ring.isPlausibleRequestProducer(producer)) {
                throw new AssertionError("implausible request producer " + Integer.toUnsignedString(producer));
            }
            int available = ring.unconsumedRequests(producer);
            for (int i = 0; i < available; i++) {
                TxRequest request = TxRequest.read(ring.page(), ring.consumeRequestSlot());
                if (request.gref() != (int) expected) {
                    throw new AssertionError("expected request " + expected + ", got " + request);
                }
                TxResponse.write(ring.page(), ring.claimResponseSlot(), request.id(), Netif.NETIF_RSP_OKAY);
                expected++;
            }
            if (available > 0 && ring.pushResponsesAndCheckNotify()) {
                toFront.ring();
            }
            if (expected < ENTRIES && !ring.finalCheckForRequests()) {
                toBack.await();
            }
        }
        return expected;
    }
}
