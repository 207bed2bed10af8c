package org.xenpv.sim.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.xenpv.net.Nic;
import org.xenpv.net.Offload;
import org.xenpv.net.SendStatus;
import org.xenpv.sim.netback.SimNetback;
import org.xenpv.sim.netback.SimToolstack;

/** The public simulated host, used as a test outside the driver's bundles uses it. */
class SimulatedHostTest {
    private static final long BOUND_SECONDS = 20;

    private static ByteBuffer frame(Nic to, Nic from, int size) {
        ByteBuffer frame = ByteBuffer.allocate(size);
        for (int i = 12; i < size; i++) {
            frame.put(i, (byte) (i * 31 + size));
        }
        to.macAddress().write(frame, 0);
        from.macAddress().write(frame, 6);
        return frame;
    }

    private static Set<Thread> xenpvThreads() {
        return Set.copyOf(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("xenpv")).toList());
    }

    @Test
    void guestsExchangeFramesAndCloseLeavesNothingBehind() throws Exception {
        Set<Thread> before = xenpvThreads();
        SimulatedHost host = SimulatedHost.builder().guests(2).vifs(2).queues(2).start();
        try {
            assertEquals(List.of(1, 2), host.guests().stream().map(Guest::domid).toList());
            Nic one = host.guest(1).nic("vif-1");
            Nic two = host.guest(2).nic("vif-1");
            assertEquals(2, one.queueCount(), "queues as asked, on both sides");
            assertEquals(2, host.guest(2).nics().size());
            BlockingQueue<byte[]> arrivals = new LinkedBlockingQueue<>();
            two.setReceiver((queue, frame, offload) -> {
                byte[] data = new byte[frame.remaining()];
                frame.get(frame.position(), data);
                arrivals.add(data);
            });
            for (int size : new int[] {60, 1514}) {
                ByteBuffer sent = frame(two, one, size);
                assertTrue(one.send(sent, Offload.NONE), "a frame of " + size + " bytes was queued");
                byte[] arrived = arrivals.poll(BOUND_SECONDS, TimeUnit.SECONDS);
                assertNotNull(arrived, "the frame of " + size + " bytes arrived");
                assertArrayEquals(sent.array(), arrived, "the frame of " + size + " bytes, byte for byte");
            }
            assertTrue(host.guest(1).domain().grants().activeGrants() > 0, "the running guest holds grants");
        } finally {
            host.close();
        }
        assertEquals(List.of(), host.leftovers(), "grants, mappings, ports or netback errors left");
        host.await("the host's threads to end", () -> before.containsAll(xenpvThreads()));
    }

    /**
     * Linux netback queues frames for a guest whose RX ring has no buffers
     * left, up to rx_queue_max bytes and then the stopped queue's 1000, and
     * drops (counting them) only past that: a receiver that stalls loses
     * nothing until then, and every frame sent is delivered or counted.
     */
    @Test
    void aStalledReceiverLosesNothingUntilNetbacksQueueIsFullAndEveryFrameIsCounted() throws Exception {
        try (SimulatedHost host = SimulatedHost.builder().guests(2).queues(1).start()) {
            Nic one = host.guest(1).nic("vif-0");
            Nic two = host.guest(2).nic("vif-0");
            SimNetback towardsTwo = host.toolstack().vif(2, 0).orElseThrow().backend();
            AtomicLong delivered = new AtomicLong();
            Semaphore stall = new Semaphore(0);
            two.setReceiver((queue, frame, offload) -> {
                stall.acquireUninterruptibly();
                delivered.incrementAndGet();
            });
            ByteBuffer frame = frame(two, one, 1514);
            // The ring's buffers and what fits in rx_queue_max behind them (1514 bytes a frame): none is lost.
            int fits = 256 + 300;
            sendAll(one, frame, fits);
            host.await("every frame taken from guest 1 and queued or copied for guest 2",
                    () -> towardsTwo.framesToGuest() + towardsTwo.pendingFramesToGuest() == fits);
            assertEquals(0, towardsTwo.framesDropped(), "frames dropped while netback's queue had room");
            stall.release(Integer.MAX_VALUE);
            host.await("all of them received", () -> delivered.get() == fits);

            stall.drainPermits();
            delivered.set(0);
            long droppedBefore = towardsTwo.framesDropped();
            long toGuestBefore = towardsTwo.framesToGuest();
            int many = 256 + 347 + 1000 + 500; // past the ring, rx_queue_max (347 such frames) and the qdisc's 1000
            sendAll(one, frame, many);
            host.await("every frame copied, queued or dropped by netback", () -> towardsTwo.framesToGuest()
                    - toGuestBefore + towardsTwo.pendingFramesToGuest() + towardsTwo.framesDropped() - droppedBefore
                    == many);
            long dropped = towardsTwo.framesDropped() - droppedBefore;
            assertTrue(dropped > 0, "past rx_queue_max netback drops");
            assertTrue(many - dropped >= fits, "what the ring and the queue hold is kept: " + (many - dropped));
            stall.release(Integer.MAX_VALUE);
            host.await("all that was not dropped received",
                    () -> delivered.get() + dropped + two.statistics().total().rxDropped() == many);
        }
    }

    private static void sendAll(Nic from, ByteBuffer frame, int count) {
        for (int i = 0; i < count; i++) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
            SendStatus status;
            while ((status = from.offer(frame.duplicate(), Offload.NONE, false)) == SendStatus.FULL) {
                assertTrue(System.nanoTime() < deadline, "the sender's ring stayed full");
                Thread.onSpinWait();
            }
            assertEquals(SendStatus.QUEUED, status, "frame " + i);
        }
    }

    @Test
    void vifsComeAndGoAtRunTime() throws Exception {
        try (SimulatedHost host = SimulatedHost.builder().vifs(0).start()) {
            Guest guest = host.guest(1);
            assertTrue(guest.nics().isEmpty());
            SimToolstack.Vif vif = guest.addVif();
            Nic nic = guest.nic("vif-" + vif.handle());
            assertEquals(vif.mac(), nic.macAddress().toString());
            assertEquals("4", host.xenStore().read("/local/domain/1/device/vif/0/state"),
                    "netfront is Connected in XenStore");
            guest.removeVif(vif.handle()).get(BOUND_SECONDS, TimeUnit.SECONDS);
            host.await("vif-0 to go", () -> guest.nicIfPresent("vif-0").isEmpty());
            host.await("the guest to let go of every grant", () -> guest.domain().grants().activeGrants() == 0);
            // the bus withdraws the device after the driver has let go of it: a little later than the Nic goes
            host.await("vif-0 to leave the guest's XenBus", () -> guest.devices().isEmpty());
            assertEquals(List.of(), guest.devices());
        }
    }

    @Test
    void aNicThatNeverConnectsFailsWithinTheBound() throws Exception {
        try (SimulatedHost host = SimulatedHost.builder().vifs(0).bound(Duration.ofMillis(300)).start()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> host.guest(1).nic("vif-7"));
            assertTrue(e.getMessage().contains("guest1 vif-7"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> host.guest(2));
            assertThrows(IllegalArgumentException.class, () -> host.addGuest(1));
        }
    }

    @Test
    void aGuestClosedAloneReleasesItsDomain() throws Exception {
        try (SimulatedHost host = SimulatedHost.builder().guests(2).start()) {
            Guest one = host.guest(1);
            one.close();
            assertEquals(0, one.domain().grants().activeGrants());
            assertEquals(0, one.domain().events().openPorts());
            assertEquals(org.xenpv.net.NicState.ACTIVE, host.guest(2).nic("vif-0").state(), "guest 2 keeps its Nic");
            one.close();
        }
    }
}
