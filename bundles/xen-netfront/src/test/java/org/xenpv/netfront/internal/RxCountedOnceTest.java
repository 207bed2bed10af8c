package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.ring.BackRing;
import org.xenpv.net.NicStatistics;
import org.xenpv.net.Offload;

/**
 * A received frame is counted once: as received when its stack was given it,
 * as dropped when the device went down or broke between the queue's reading
 * of the packet and its hand-off. (Found by fuzzing: a sender's look at a TX
 * ring the backend had broken marked the device broken while the queue's
 * thread was delivering; the frame was counted received by the queue and
 * dropped by the Nic.) The test breaks the device at that very moment, from
 * an owner that wraps the Nic.
 */
class RxCountedOnceTest {
    private QueueWithTestBackend fixture;

    @AfterEach
    void release() throws Exception {
        fixture.close();
    }

    @Test
    void aFrameWhoseDeviceBrokeBeforeItsHandOffIsCountedDroppedOnly() throws Exception {
        fixture = new QueueWithTestBackend(QueueWithTestBackend.Ring.RX, 32, NetfrontConfig.DEFAULT_TX_COMPLETION_MICROS,
                nic -> new NetfrontQueue.Owner() {
                    @Override
                    public void broken(String reason) {
                        nic.broken(reason);
                    }

                    @Override
                    public boolean received(int queue, ByteBuffer frame, Offload offload) {
                        nic.broken("a sender found the TX ring broken while this frame was on its way");
                        return nic.received(queue, frame, offload);
                    }
                });
        LongAdder delivered = new LongAdder();
        fixture.nic.setReceiver((queue, frame, offload) -> delivered.increment());
        BackRing backend = fixture.backend;
        ByteBuffer page = backend.page();
        assertTrue(backend.unconsumedRequests() > 0, "a buffer is posted");
        int at = backend.consumeRequestSlot();
        RxResponse.write(page, backend.claimResponseSlot(), Short.toUnsignedInt(page.getShort(at + RxRequest.ID_OFFSET)),
                0, 0, 60);
        if (backend.pushResponsesAndCheckNotify()) {
            fixture.notifyQueue();
        }
        SimWorld.waitFor("the frame to be taken", () -> fixture.nic.statistics().total().rxDropped() > 0);
        NicStatistics.QueueCounters counters = fixture.nic.statistics().total();
        assertEquals(0, delivered.sum(), "a broken device delivers nothing");
        assertEquals(1, counters.rxDropped(), "the frame counted as dropped");
        assertEquals(0, counters.rxPackets(), "and not also as received");
        assertEquals(0, counters.rxBytes());
    }
}
