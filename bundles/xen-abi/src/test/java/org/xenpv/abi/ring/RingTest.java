package org.xenpv.abi.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.netif.TxResponse;

class RingTest {

    private final ByteBuffer page = ByteBuffer.allocateDirect(4096);

    /** The page as the other end's C code sees it: the indexes are little-endian. */
    private ByteBuffer littleEndian() {
        return page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void capacityIsThePowerOfTwoThatFits() {
        assertEquals(256, SharedRingDescriptor.capacity(4096, 12));
        assertEquals(256, SharedRingDescriptor.capacity(4096, 8));
        assertEquals(128, SharedRingDescriptor.capacity(4096, 16));
        assertEquals(32, SharedRingDescriptor.capacity(4096, 112));
        assertThrows(IllegalArgumentException.class, () -> SharedRingDescriptor.capacity(64, 8));
        assertThrows(IllegalArgumentException.class, () -> SharedRingDescriptor.capacity(4096, 5000));
    }

    @Test
    void initialisationWritesTheHeaderAsRingHDoes() {
        page.put(20, (byte) 0x55);
        FrontRing.initialise(page, Netif.TX_RING);
        assertEquals(0, page.getInt(SharedRingDescriptor.REQ_PROD_OFFSET));
        assertEquals(1, Integer.reverseBytes(page.getInt(SharedRingDescriptor.REQ_EVENT_OFFSET)));
        assertEquals(0, page.getInt(SharedRingDescriptor.RSP_PROD_OFFSET));
        assertEquals(1, Integer.reverseBytes(page.getInt(SharedRingDescriptor.RSP_EVENT_OFFSET)));
        assertEquals(0, page.get(20), "padding is zeroed");
    }

    @Test
    void fullRingRefusesAnotherClaim() {
        FrontRing front = FrontRing.initialise(page, Netif.TX_RING);
        for (int i = 0; i < front.capacity(); i++) {
            front.claimRequestSlot();
        }
        assertTrue(front.isFull());
        assertEquals(0, front.freeRequests());
        assertThrows(IllegalStateException.class, front::claimRequestSlot);
    }

    @Test
    void slotsWrapAroundThePage() {
        FrontRing front = FrontRing.attach(page, Netif.TX_RING, 255);
        assertEquals(SharedRingDescriptor.SLOTS_OFFSET + 255 * 12, front.slotOffset(255));
        assertEquals(SharedRingDescriptor.SLOTS_OFFSET, front.slotOffset(256));
        assertEquals(SharedRingDescriptor.SLOTS_OFFSET, front.slotOffset(0x1_0000 * 256));
    }

    @Test
    void firstRequestNotifiesAndLaterOnesOnlyWhenTheBackEndAsks() {
        FrontRing front = FrontRing.initialise(page, Netif.TX_RING);
        BackRing back = BackRing.attach(page, Netif.TX_RING);
        TxRequest.write(page, front.claimRequestSlot(), 1, 0, 0, 1, 60);
        assertTrue(front.pushRequestsAndCheckNotify(), "req_event starts at 1");
        TxRequest.write(page, front.claimRequestSlot(), 2, 0, 0, 2, 60);
        assertFalse(front.pushRequestsAndCheckNotify(), "the back end has not asked for more");

        assertEquals(2, back.unconsumedRequests());
        back.consumeRequestSlot();
        back.consumeRequestSlot();
        assertFalse(back.finalCheckForRequests(), "nothing left, so req_event moves to req_cons + 1");
        TxRequest.write(page, front.claimRequestSlot(), 3, 0, 0, 3, 60);
        assertTrue(front.pushRequestsAndCheckNotify(), "the back end asked for the next request");
    }

    @Test
    void anEventAskedForAtTheLastRequestComesOnlyWhenAllAreAnswered() {
        FrontRing front = FrontRing.initialise(page, Netif.TX_RING);
        BackRing back = BackRing.attach(page, Netif.TX_RING);
        for (int id = 0; id < 3; id++) {
            TxRequest.write(page, front.claimRequestSlot(), id, 0, 0, id, 60);
        }
        front.pushRequests();
        assertFalse(front.checkForResponsesAskingForEventAtLastRequest(), "nothing answered yet");

        back.consumeRequestSlot();
        TxResponse.write(page, back.claimResponseSlot(), 0, Netif.NETIF_RSP_OKAY);
        back.consumeRequestSlot();
        TxResponse.write(page, back.claimResponseSlot(), 1, Netif.NETIF_RSP_OKAY);
        assertFalse(back.pushResponsesAndCheckNotify(), "two of three answered: the front end did not ask");
        assertTrue(front.checkForResponsesAskingForEventAtLastRequest(),
                "published before the front end looked: it takes them itself");
        front.setResponseConsumer(2);

        back.consumeRequestSlot();
        TxResponse.write(page, back.claimResponseSlot(), 2, Netif.NETIF_RSP_OKAY);
        assertTrue(back.pushResponsesAndCheckNotify(), "the last request answered: notified");
        front.setResponseConsumer(3);
        assertFalse(front.checkForResponsesAskingForEventAtLastRequest(), "nothing in flight, nothing waiting");
        TxRequest.write(page, front.claimRequestSlot(), 3, 0, 0, 3, 60);
        front.pushRequests();
        back.consumeRequestSlot();
        TxResponse.write(page, back.claimResponseSlot(), 3, Netif.NETIF_RSP_OKAY);
        assertFalse(back.pushResponsesAndCheckNotify(),
                "with nothing in flight when it looked, the front end asked for no event");
    }

    @Test
    void implausibleProducersAreRecognised() {
        FrontRing front = FrontRing.initialise(page, Netif.TX_RING);
        BackRing back = BackRing.attach(page, Netif.TX_RING);
        front.claimRequestSlot();
        front.claimRequestSlot();
        front.pushRequests();
        assertTrue(front.isPlausibleResponseProducer(0));
        assertTrue(front.isPlausibleResponseProducer(2));
        assertFalse(front.isPlausibleResponseProducer(3), "more responses than requests");
        assertFalse(front.isPlausibleResponseProducer(-1), "behind the consumer");

        assertTrue(back.isPlausibleRequestProducer(2));
        assertTrue(back.isPlausibleRequestProducer(256));
        assertFalse(back.isPlausibleRequestProducer(257), "more than a ring ahead of the responses");
        TxResponse.write(page, 0, 0, 0);
        back.consumeRequestSlot();
        assertFalse(back.isPlausibleRequestProducer(0), "behind the consumer");
    }

    @Test
    void aRequestProducerFarAheadYieldsNoMoreRequestsThanTheResponsesLeaveRoomFor() {
        FrontRing.initialise(page, Netif.TX_RING);
        BackRing back = BackRing.attach(page, Netif.TX_RING);
        // Three requests consumed and not answered: only 253 slots can still be taken, whatever the
        // front end claims, even when the caller has not checked the producer first.
        littleEndian().putInt(SharedRingDescriptor.REQ_PROD_OFFSET, 3);
        back.consumeRequestSlot();
        back.consumeRequestSlot();
        back.consumeRequestSlot();
        assertEquals(253, back.unconsumedRequests(3 + 1000));
        assertEquals(253, back.unconsumedRequests(-7));
        assertEquals(0, back.unconsumedRequests(3));
        littleEndian().putInt(SharedRingDescriptor.REQ_PROD_OFFSET, 3 + 1000);
        assertEquals(253, back.unconsumedRequests());
        assertFalse(back.requestConsumerOverflows(255));
        assertTrue(back.requestConsumerOverflows(256), "a consumer a ring ahead of the responses overruns them");
        assertTrue(back.requestConsumerOverflows(-1), "behind the responses is a ring ahead, unsigned");
    }

    @Test
    void theFinalCheckForSeveralRequestsAsksForTheLastOneNeeded() {
        FrontRing front = FrontRing.initialise(page, Netif.RX_RING);
        BackRing back = BackRing.attach(page, Netif.RX_RING);
        front.claimRequestSlot();
        front.pushRequests();
        assertFalse(back.finalCheckForRequests(3), "one published, three needed");
        assertEquals(3, littleEndian().getInt(SharedRingDescriptor.REQ_EVENT_OFFSET),
                "notify when the third is published");
        front.claimRequestSlot();
        front.claimRequestSlot();
        assertTrue(front.pushRequestsAndCheckNotify(), "the third request crosses the event index");
        assertTrue(back.finalCheckForRequests(3));
        assertTrue(back.finalCheckForRequests(1));
    }

    @Test
    void responseSlotsOnlyForConsumedRequests() {
        FrontRing.initialise(page, Netif.TX_RING);
        BackRing back = BackRing.attach(page, Netif.TX_RING);
        assertThrows(IllegalStateException.class, back::claimResponseSlot);
    }

    @Test
    void aRingNeedsADirectPage() {
        assertThrows(IllegalArgumentException.class,
                () -> FrontRing.initialise(ByteBuffer.allocate(4096), Netif.TX_RING));
        assertThrows(IllegalArgumentException.class,
                () -> FrontRing.initialise(ByteBuffer.allocateDirect(1024), Netif.TX_RING));
    }
}
