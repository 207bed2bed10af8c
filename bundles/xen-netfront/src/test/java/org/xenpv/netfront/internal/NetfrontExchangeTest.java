package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.net.MacAddress;
import org.xenpv.net.Nic;
import org.xenpv.net.NicStatistics;
import org.xenpv.net.Offload;
import org.xenpv.sim.netback.NetbackFeatures;

/** Two guests' vifs exchange frames through the simulated switch. */
class NetfrontExchangeTest {
    private SimWorld world;
    private Nic a;
    private Nic b;
    private final BlockingQueue<Received> atA = new LinkedBlockingQueue<>();
    private final BlockingQueue<Received> atB = new LinkedBlockingQueue<>();
    private org.xenpv.net.FrameReceiver receiverA;

    record Received(int queue, byte[] data, Offload offload) {
    }

    @BeforeEach
    void connect() throws Exception {
        world = new SimWorld();
        Nic[] nics = world.connectedPair(NetbackFeatures.LINUX, NetfrontConfig.DEFAULTS);
        a = nics[0];
        b = nics[1];
        receiverA = (queue, frame, offload) -> atA.add(copy(queue, frame, offload));
        a.setReceiver(receiverA);
        b.setReceiver((queue, frame, offload) -> atB.add(copy(queue, frame, offload)));
    }

    @AfterEach
    void disconnect() throws Exception {
        world.close();
        world.assertClean();
    }

    private static Received copy(int queue, ByteBuffer frame, Offload offload) {
        byte[] data = new byte[frame.remaining()];
        frame.get(frame.position(), data);
        return new Received(queue, data, offload);
    }

    /** A frame from {@code from} to {@code to} whose bytes depend on its size. */
    static ByteBuffer frame(MacAddress to, MacAddress from, int size) {
        ByteBuffer frame = ByteBuffer.allocate(size);
        for (int i = 12; i < size; i++) {
            frame.put(i, (byte) (i * 31 + size));
        }
        to.write(frame, 0);
        from.write(frame, 6);
        return frame;
    }

    private static Received next(BlockingQueue<Received> queue, String what) throws InterruptedException {
        Received received = queue.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
        assertNotNull(received, what + " did not arrive within " + SimWorld.BOUND_SECONDS + " s");
        return received;
    }

    private void exchange(Nic from, Nic to, BlockingQueue<Received> arrivals, int size, Offload offload)
            throws InterruptedException {
        ByteBuffer frame = frame(to.macAddress(), from.macAddress(), size);
        assertTrue(from.send(frame, offload), "a frame of " + size + " bytes was queued");
        Received received = next(arrivals, "the frame of " + size + " bytes");
        assertArrayEquals(frame.array(), received.data(), "the frame of " + size + " bytes, byte for byte");
        assertEquals(offload, received.offload(), "the offload state of the frame of " + size + " bytes");
    }

    @Test
    void framesOfEverySizeCrossInBothDirections() throws Exception {
        for (int size = Nic.MIN_FRAME_BYTES; size <= 0xffff; size++) {
            exchange(a, b, atB, size, Offload.NONE);
            exchange(b, a, atA, size, Offload.NONE);
        }
        long frames = 0xffff - Nic.MIN_FRAME_BYTES + 1;
        SimWorld.waitFor("every frame counted", () -> a.statistics().total().txPackets() == frames
                && b.statistics().total().txPackets() == frames);
        NicStatistics.QueueCounters sent = a.statistics().total();
        NicStatistics.QueueCounters received = b.statistics().total();
        assertEquals(frames, received.rxPackets());
        assertEquals(frames, sent.rxPackets());
        assertEquals(0, sent.txDropped() + sent.txErrors() + received.rxDropped() + received.rxErrors());
    }

    @Test
    void gsoFramesOfManySizesCrossWithTheirMetadata() throws Exception {
        for (int size = 54; size <= 0xffff; size += 7) {
            Offload offload = Offload.gso(size % 2 == 0 ? Offload.GsoType.TCPV4 : Offload.GsoType.TCPV6,
                    536 + size % 1000);
            exchange(a, b, atB, size, offload);
            exchange(b, a, atA, size, offload);
        }
    }

    @Test
    void driverStatisticsCountSuperFramesMultiSlotFramesAndBlankChecksums() throws Exception {
        exchange(a, b, atB, 100, Offload.NONE);
        exchange(a, b, atB, 9000, Offload.NONE);
        exchange(a, b, atB, 20_000, Offload.gso(Offload.GsoType.TCPV4, 1448));
        exchange(a, b, atB, 200, Offload.CHECKSUM_BLANK);
        SimWorld.waitFor("the four frames counted as sent", () -> a.statistics().total().txPackets() == 4);
        java.util.Map<String, Long> sent = a.driverStatistics();
        java.util.Map<String, Long> received = b.driverStatistics();
        assertEquals(1L, sent.get("tx_gso_frames"));
        assertEquals(2L, sent.get("tx_multi_slot_frames"));
        assertEquals(2L, sent.get("tx_checksum_blank"), "the super-frame's checksum is blank too");
        assertEquals(1L, received.get("rx_gso_frames"));
        assertEquals(2L, received.get("rx_multi_slot_frames"));
        assertEquals(2L, received.get("rx_checksum_blank"));
        assertEquals(0L, sent.get("rx_gso_frames"));
    }

    @Test
    void aBatchIsSentWithOneNotifyAndArrivesInOrder() throws Exception {
        java.util.List<ByteBuffer> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ByteBuffer frame = frame(b.macAddress(), a.macAddress(), 100 + i);
            batch.add(frame);
        }
        assertEquals(40, a.sendBatch(batch, Offload.NONE));
        for (int i = 0; i < 40; i++) {
            Received received = next(atB, "frame " + i + " of the batch");
            assertArrayEquals(batch.get(i).array(), received.data(), "frame " + i + " in order");
        }
    }

    @Test
    void monitorsSeeFramesBothWaysUntilRemoved() throws Exception {
        BlockingQueue<String> seenAtA = new LinkedBlockingQueue<>();
        org.xenpv.net.FrameMonitor monitor = (direction, queue, frame, offload) -> seenAtA.add(direction + " "
                + frame.remaining() + " " + offload.gso());
        a.addMonitor(monitor);
        exchange(a, b, atB, 321, Offload.NONE);
        exchange(b, a, atA, 4000, Offload.gso(Offload.GsoType.TCPV4, 1448));
        assertEquals("OUTBOUND 321 NONE", seenAtA.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS));
        assertEquals("INBOUND 4000 TCPV4", seenAtA.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS));
        a.removeMonitor(monitor);
        exchange(a, b, atB, 99, Offload.NONE);
        exchange(b, a, atA, 98, Offload.NONE);
        assertEquals(null, seenAtA.poll(), "a removed monitor sees nothing");
    }

    @Test
    void aFullQueueIsBackPressureNotADropAndEveryOfferedFrameArrivesInOrder() throws Exception {
        // Offered with "more" and never flushed by hand, big frames fill the ring before the backend hears of
        // them: offer must then say FULL, count nothing, and tell the backend so that room comes.
        int frames = 200;
        int fullSeen = 0;
        java.util.List<ByteBuffer> sent = new java.util.ArrayList<>();
        for (int i = 0; i < frames; i++) {
            ByteBuffer frame = frame(b.macAddress(), a.macAddress(), 60_000 + i);
            sent.add(frame);
            org.xenpv.net.SendStatus status;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SimWorld.BOUND_SECONDS);
            while ((status = a.offer(frame, Offload.NONE, true)) == org.xenpv.net.SendStatus.FULL) {
                fullSeen++;
                assertTrue(System.nanoTime() < deadline, "room came back for frame " + i);
                Thread.onSpinWait();
            }
            assertEquals(org.xenpv.net.SendStatus.QUEUED, status, "frame " + i);
        }
        a.flush();
        assertTrue(fullSeen > 0, "the ring filled at least once");
        for (int i = 0; i < frames; i++) {
            Received received = next(atB, "offered frame " + i);
            assertArrayEquals(sent.get(i).array(), received.data(), "frame " + i + " in order, intact");
        }
        SimWorld.waitFor("every offered frame counted as sent", () -> a.statistics().total().txPackets() == frames);
        assertEquals(0, a.statistics().total().txDropped(), "a full queue dropped nothing");
    }

    @Test
    void offeredFramesWaitForTheFlushAndThenArrive() throws Exception {
        java.util.List<ByteBuffer> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sent.add(frame(b.macAddress(), a.macAddress(), 64 + i));
            assertEquals(org.xenpv.net.SendStatus.QUEUED, a.offer(sent.get(i), Offload.NONE, i < 9));
        }
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(sent.get(i).array(), next(atB, "frame " + i).data(), "frame " + i);
        }
    }
}
