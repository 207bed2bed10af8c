package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xenpv.net.Nic;
import org.xenpv.net.Offload;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimNetback;

/**
 * Where received frames are handled: on their queue's own thread, so that a
 * stack that blocks on one queue holds up neither another queue nor another vif.
 */
class QueueThreadTest {
    private SimWorld world;
    /** Released at the end, so that the blocked receivers return and the queues can close. */
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void cleanUp() throws Exception {
        release.countDown();
        if (world != null) {
            world.close();
            world.assertClean();
        }
    }

    private static ByteBuffer flow(Nic to, Nic from, int flow) {
        ByteBuffer frame = NetfrontExchangeTest.frame(to.macAddress(), from.macAddress(), 64);
        frame.putShort(12, (short) 0x0800);
        frame.putInt(26, 0x0a000001 + flow);
        return frame;
    }

    @Test
    void framesAreReceivedOnTheirQueuesThreadNotTheEventDispatcher() throws Exception {
        world = new SimWorld();
        Nic[] nics = world.connectedPair(NetbackFeatures.LINUX, new NetfrontConfig(2, 256, 256, 5_000));
        assertEquals(2, nics[1].queueCount());
        Set<String> threads = ConcurrentHashMap.newKeySet();
        BlockingQueue<Integer> queues = new LinkedBlockingQueue<>();
        nics[1].setReceiver((queue, frame, offload) -> {
            threads.add(queue + " " + Thread.currentThread().getName());
            queues.add(queue);
        });
        for (int flow = 0; flow < 32; flow++) {
            assertTrue(nics[0].send(flow(nics[1], nics[0], flow), Offload.NONE));
            assertNotNull(queues.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS), "frame of flow " + flow);
        }
        assertEquals(Set.of("0 xenpv-netfront-vif-0-q0", "1 xenpv-netfront-vif-0-q1"), threads,
                "each queue's frames on that queue's thread");
    }

    @Test
    void aReceiverBlockedOnOneVifDelaysNotAnotherVifOfTheSameGuest() throws Exception {
        world = new SimWorld();
        SimWorld.Guest sender = world.guest(1);
        SimWorld.Guest receiving = world.guest(2);
        world.addVif(sender, NetbackFeatures.LINUX);
        world.addVif(receiving, NetbackFeatures.LINUX);
        world.addVif(receiving, NetbackFeatures.LINUX);
        Nic from = sender.awaitNic("vif-0");
        Nic blocked = receiving.awaitNic("vif-0");
        Nic free = receiving.awaitNic("vif-1");
        CountDownLatch blocking = new CountDownLatch(1);
        blocked.setReceiver((queue, frame, offload) -> {
            blocking.countDown();
            awaitRelease();
        });
        BlockingQueue<Integer> arrivals = new LinkedBlockingQueue<>();
        free.setReceiver((queue, frame, offload) -> arrivals.add(frame.remaining()));

        assertTrue(from.send(flow(blocked, from, 0), Offload.NONE));
        assertTrue(blocking.await(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS), "vif-0's receiver was called");
        for (int i = 0; i < 8; i++) {
            assertTrue(from.send(flow(free, from, i), Offload.NONE));
            assertNotNull(arrivals.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS),
                    "frame " + i + " reached vif-1 while vif-0's receiver blocks");
        }
    }

    @Test
    void aReceiverBlockedOnOneQueueDelaysNotTheOtherQueue() throws Exception {
        world = new SimWorld();
        Nic[] nics = world.connectedPair(NetbackFeatures.LINUX, new NetfrontConfig(2, 256, 256, 5_000));
        assertEquals(2, nics[1].queueCount());
        CountDownLatch blocking = new CountDownLatch(1);
        BlockingQueue<Integer> onQueueOneSinceBlocked = new LinkedBlockingQueue<>();
        nics[1].setReceiver((queue, frame, offload) -> {
            if (queue == 0) {
                blocking.countDown();
                awaitRelease();
            } else if (blocking.getCount() == 0) {
                onQueueOneSinceBlocked.add(queue);
            }
        });
        int flow = 0;
        while (blocking.getCount() != 0) {
            assertTrue(flow < 1000, "no flow reached queue 0");
            assertTrue(nics[0].send(flow(nics[1], nics[0], flow++), Offload.NONE));
            blocking.await(10, TimeUnit.MILLISECONDS);
        }
        // Queue 0 is held now; flows spread over both queues, and queue 1 must go on taking its share.
        for (int more = 0; more < 64; more++) {
            assertTrue(nics[0].send(flow(nics[1], nics[0], flow++), Offload.NONE));
        }
        assertNotNull(onQueueOneSinceBlocked.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS),
                "a frame arrived on queue 1 while queue 0's receiver blocks");
    }

    @Test
    void framesFlowAgainAfterUpWhenTheRingFilledWhileDown() throws Exception {
        world = new SimWorld();
        Nic[] nics = world.connectedPair(NetbackFeatures.LINUX, new NetfrontConfig(1, 256, 256, 5_000));
        Nic from = nics[0];
        Nic to = nics[1];
        BlockingQueue<Integer> markers = new LinkedBlockingQueue<>();
        to.setReceiver((queue, frame, offload) -> {
            if (frame.getInt(frame.position() + 26) == MARKER) {
                markers.add(queue);
            }
        });
        to.down();
        // Fill the stopped receiver's RX ring and its netback's queue behind it: netback then drops, and waits
        // for buffers that only taking the ring's responses frees.
        SimNetback backend = world.toolstack.vif(2, 0).orElseThrow().backend();
        int flow = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SimWorld.BOUND_SECONDS);
        while (backend.framesDropped() == 0) {
            assertTrue(System.nanoTime() < deadline, "the stopped receiver's netback never had to drop");
            from.send(flow(to, from, flow++ % 1000), Offload.NONE);
        }
        to.up();
        ByteBuffer marker = flow(to, from, 0);
        marker.putInt(26, MARKER);
        // Sent until one gets through: frames queued while down come first, and the sender's ring may be full.
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SimWorld.BOUND_SECONDS);
        while (markers.poll(10, TimeUnit.MILLISECONDS) == null) {
            assertTrue(System.nanoTime() < deadline, "no frame got through after up");
            from.send(marker.duplicate(), Offload.NONE);
        }
    }

    private static final int MARKER = 0x0afeed01;

    /**
     * A queue's thread asks for an RX event only when it stops polling, then
     * looks at the ring once more: a response published as the poll ends must
     * be found by that look or announce itself with the event asked for. One
     * frame in flight at a time, both ways, each ping sent 0 to 40 us after
     * the last echo came back, so that responses land all across the end of
     * either queue's 20 us poll; a frame the threads leave unseen is never
     * echoed and fails the bounded wait. Run it pinned to one CPU too: there
     * the backend's thread publishes only where the queue's thread is
     * preempted, at any point of its poll and final check.
     */
    @Test
    void aResponseArrivingAsThePollEndsIsNeverLeftUnseen() throws Exception {
        world = new SimWorld();
        Nic[] nics = world.connectedPair(NetbackFeatures.LINUX, new NetfrontConfig(1, 256, 256, 5_000));
        Nic ping = nics[0];
        Nic pong = nics[1];
        ByteBuffer echo = ByteBuffer.allocate(64);
        pong.setReceiver((queue, frame, offload) -> {
            echo.clear();
            ping.macAddress().write(echo, 0);
            echo.put(6, frame, frame.position(), 6);
            echo.put(12, frame, frame.position() + 12, 52);
            pong.send(echo, Offload.NONE);
        });
        BlockingQueue<Integer> echoes = new LinkedBlockingQueue<>();
        ping.setReceiver((queue, frame, offload) -> echoes.add(frame.getInt(frame.position() + 26)));
        ByteBuffer frame = flow(pong, ping, 0);
        for (int i = 0; i < 2_000; i++) {
            long delayNanos = TimeUnit.MICROSECONDS.toNanos(i % 41);
            long sendAt = System.nanoTime() + delayNanos;
            while (System.nanoTime() - sendAt < 0) {
                Thread.onSpinWait();
            }
            frame.putInt(26, i);
            assertTrue(ping.send(frame.duplicate(), Offload.NONE), "ping " + i);
            Integer back = echoes.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
            assertEquals(i, back, "ping " + i + ", sent " + delayNanos / 1000 + " us after the last echo, came back");
        }
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
