package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.net.LinkState;
import org.xenpv.net.MacAddress;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.NicStatistics;
import org.xenpv.net.Offload;
import org.xenpv.net.UnsupportedNicOperationException;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimNetback;

/** Netfront against the simulated netback: features, queues, channels, hot-plug, restarts, closing. */
class NetfrontBehaviourTest {
    private SimWorld world;

    record Received(int queue, byte[] data, Offload offload) {
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (world != null) {
            world.close();
            world.assertClean();
        }
    }

    private static BlockingQueue<Received> receiveOn(Nic nic) {
        BlockingQueue<Received> arrivals = new LinkedBlockingQueue<>();
        nic.setReceiver((queue, frame, offload) -> {
            byte[] data = new byte[frame.remaining()];
            frame.get(frame.position(), data);
            arrivals.add(new Received(queue, data, offload));
        });
        return arrivals;
    }

    private static Received next(BlockingQueue<Received> arrivals) throws InterruptedException {
        Received received = arrivals.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
        assertNotNull(received, "a frame arrived within " + SimWorld.BOUND_SECONDS + " s");
        return received;
    }

    private static void assertCrosses(Nic from, Nic to, BlockingQueue<Received> arrivals, int size, Offload offload)
            throws InterruptedException {
        ByteBuffer frame = NetfrontExchangeTest.frame(to.macAddress(), from.macAddress(), size);
        assertTrue(from.send(frame, offload), "queued " + size + " bytes");
        Received received = next(arrivals);
        assertArrayEquals(frame.array(), received.data(), size + " bytes, byte for byte");
        assertEquals(offload, received.offload(), "offload of " + size + " bytes");
    }

    /** Two guests with a vif each, backends offering {@code features}, netfronts with {@code config}. */
    private Nic[] pair(NetbackFeatures features, NetfrontConfig config) throws Exception {
        world = new SimWorld();
        return world.connectedPair(features, config);
    }

    @Test
    void checksumAndGsoMetadataSurvive() throws Exception {
        Nic[] nics = pair(NetbackFeatures.LINUX, NetfrontConfig.DEFAULTS);
        BlockingQueue<Received> atB = receiveOn(nics[1]);
        assertCrosses(nics[0], nics[1], atB, 1514, Offload.CHECKSUM_BLANK);
        assertCrosses(nics[0], nics[1], atB, 1514, Offload.DATA_VALIDATED);
        assertCrosses(nics[0], nics[1], atB, 60_000, Offload.gso(Offload.GsoType.TCPV4, 1448));
        assertCrosses(nics[0], nics[1], atB, 30_000, Offload.gso(Offload.GsoType.TCPV6, 1428));
        assertCrosses(nics[0], nics[1], atB, 200, Offload.NONE);
        assertEquals(Set.of("gso-tcpv4", "gso-tcpv6", "ipv6-csum-offload", "multi-queue", "rx-copy", "rx-notify",
                "sg", "split-event-channels"), nics[0].info().features());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void framesSpreadOverEveryQueue(int queues) throws Exception {
        Nic[] nics = pair(NetbackFeatures.LINUX, new NetfrontConfig(queues, 256, 256, 5_000));
        int expected = queues;
        assertEquals(expected, nics[0].queueCount());
        BlockingQueue<Received> atB = receiveOn(nics[1]);
        Set<Integer> seen = new HashSet<>();
        for (int flow = 0; flow < 64; flow++) {
            ByteBuffer frame = NetfrontExchangeTest.frame(nics[1].macAddress(), nics[0].macAddress(), 64);
            frame.putShort(12, (short) 0x0800);
            frame.putInt(26, 0x0a000001 + flow);
            assertTrue(nics[0].send(frame, Offload.NONE));
            Received received = next(atB);
            assertArrayEquals(frame.array(), received.data());
            seen.add(received.queue());
        }
        assertEquals(expected, seen.size(), "frames arrived on every queue");
        SimWorld.waitFor("64 frames counted as sent", () -> nics[0].statistics().total().txPackets() == 64);
        List<NicStatistics.QueueCounters> perQueue = nics[0].statistics().queues();
        assertEquals(expected, perQueue.stream().filter(q -> q.txPackets() > 0).count(), "every queue sent");
    }

    @Test
    void sharedEventChannelsWhenTheBackendOffersNoSplit() throws Exception {
        NetbackFeatures noSplit = new NetbackFeatures(true, true, true, true, true, true, false, 4);
        Nic[] nics = pair(noSplit, NetfrontConfig.DEFAULTS);
        assertFalse(nics[0].info().features().contains("split-event-channels"));
        BlockingQueue<Received> atB = receiveOn(nics[1]);
        BlockingQueue<Received> atA = receiveOn(nics[0]);
        for (int size : new int[] {14, 1514, 9000, 65535}) {
            assertCrosses(nics[0], nics[1], atB, size, Offload.NONE);
            assertCrosses(nics[1], nics[0], atA, size, Offload.NONE);
        }
    }

    @Test
    void aBackendWithoutScatterGatherLimitsFramesToOnePage() throws Exception {
        NetbackFeatures old = new NetbackFeatures(true, false, false, false, false, true, false, 1);
        Nic[] nics = pair(old, NetfrontConfig.DEFAULTS);
        assertEquals(1, nics[0].queueCount());
        assertEquals(1514, nics[0].capabilities().maxFrameBytes());
        assertEquals(Set.of("rx-copy", "rx-notify"), nics[0].info().features());
        BlockingQueue<Received> atB = receiveOn(nics[1]);
        assertCrosses(nics[0], nics[1], atB, 1514, Offload.CHECKSUM_BLANK);
        ByteBuffer jumbo = NetfrontExchangeTest.frame(nics[1].macAddress(), nics[0].macAddress(), 1515);
        assertThrows(IllegalArgumentException.class, () -> nics[0].send(jumbo, Offload.NONE));
        ByteBuffer small = NetfrontExchangeTest.frame(nics[1].macAddress(), nics[0].macAddress(), 1000);
        UnsupportedNicOperationException e = assertThrows(UnsupportedNicOperationException.class,
                () -> nics[0].send(small, Offload.gso(Offload.GsoType.TCPV4, 500)));
        assertTrue(e.getMessage().contains("GSO"), e.getMessage());
    }

    @Test
    void eachOptionalBackendFeatureCanBeMissing() throws Exception {
        NetbackFeatures[] variants = {
            new NetbackFeatures(true, true, false, true, true, true, true, 4),
            new NetbackFeatures(true, true, true, false, true, true, true, 4),
            new NetbackFeatures(true, true, true, true, false, true, true, 4),
            new NetbackFeatures(true, true, true, true, true, false, true, 4),
            new NetbackFeatures(true, true, true, true, true, true, true, 1),
        };
        for (NetbackFeatures features : variants) {
            Nic[] nics = pair(features, NetfrontConfig.DEFAULTS);
            BlockingQueue<Received> atB = receiveOn(nics[1]);
            assertCrosses(nics[0], nics[1], atB, 20_000, Offload.NONE);
            assertEquals(features.gsoTcpv4(), nics[0].capabilities().tsoV4(), features.toString());
            assertEquals(features.gsoTcpv6(), nics[0].capabilities().tsoV6(), features.toString());
            world.close();
            world.assertClean();
            world = null;
        }
    }

    @Test
    void tooShortAndTooLongFramesAreRefusedClearly() throws Exception {
        Nic[] nics = pair(NetbackFeatures.LINUX, NetfrontConfig.DEFAULTS);
        MacAddress to = nics[1].macAddress();
        for (int size : new int[] {0, 13, 0x10000, 0xffff + 14}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> nics[0].send(ByteBuffer.allocate(size), Offload.NONE), "size " + size);
            assertTrue(e.getMessage().contains(size + " bytes"), e.getMessage());
        }
        assertEquals(0, nics[0].statistics().total().txPackets());
        assertThrows(UnsupportedNicOperationException.class, () -> nics[0].setMacAddress(to));
        assertThrows(UnsupportedNicOperationException.class, () -> nics[0].setPromiscuous(true));
    }

    @Test
    void vifsComeAndGoAtRunTime() throws Exception {
        world = new SimWorld();
        SimWorld.Guest guest = world.guest(1);
        world.addVif(guest, NetbackFeatures.LINUX);
        guest.awaitNic("vif-0");
        world.addVif(guest, NetbackFeatures.LINUX);
        Nic second = guest.awaitNic("vif-1");
        assertEquals(MacAddress.parse("00:16:3e:00:01:01"), second.macAddress());
        List<NicState> states = new ArrayList<>();
        second.addStateListener(new org.xenpv.net.NicStateListener() {
            @Override
            public void stateChanged(Nic nic, NicState state) {
                states.add(state);
            }
        });
        world.toolstack.removeVif(1, 1).get(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
        SimWorld.waitFor("vif-1's Nic withdrawn", () -> !guest.nics.containsKey("vif-1"));
        assertTrue(states.contains(NicState.DOWN), states.toString());
        assertEquals(null, world.store.read(SimNetback.backendPath(1, 1)), "the backend directory is gone");
        assertEquals(null, world.store.read(SimNetback.frontendPath(1, 1)), "the frontend directory is gone");
        assertEquals(NicState.ACTIVE, guest.nics.get("vif-0").state(), "the other vif is untouched");
        SimWorld.waitFor("vif-1's grants and ports released",
                () -> guest.domain.events().openPorts() == 2 * guest.nics.get("vif-0").queueCount()
                && guest.domain.grants().activeGrants() == guest.nics.get("vif-0").queueCount() * (2 + 256 + 256));
    }

    @Test
    void aRestartedBackendIsReconnectedAndFramesFlowAgain() throws Exception {
        Nic[] nics = pair(NetbackFeatures.LINUX, NetfrontConfig.DEFAULTS);
        BlockingQueue<Received> atB = receiveOn(nics[1]);
        List<LinkState> links = new ArrayList<>();
        nics[0].addStateListener(new org.xenpv.net.NicStateListener() {
            @Override
            public void stateChanged(Nic nic, NicState state) {
            }

            @Override
            public void linkChanged(Nic nic, LinkState link) {
                synchronized (links) {
                    links.add(link);
                }
            }
        });
        assertCrosses(nics[0], nics[1], atB, 1514, Offload.NONE);
        world.toolstack.restartBackend(1, 0, NetbackFeatures.LINUX).get(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
        SimWorld.waitFor("the link up again after the restart", () -> {
            synchronized (links) {
                return links.equals(List.of(LinkState.DOWN, LinkState.UP));
            }
        });
        assertEquals(NicState.ACTIVE, nics[0].state());
        assertCrosses(nics[0], nics[1], atB, 1514, Offload.NONE);
        assertCrosses(nics[0], nics[1], atB, 65535, Offload.NONE);
        SimWorld.waitFor("counters that survive the reconnection",
                () -> nics[0].statistics().total().txPackets() == 3);
    }

    @Test
    void closingTheStackClosesTheHandshakeReleasesEverythingAndHandsTheVifBack() throws Exception {
        world = new SimWorld();
        SimWorld.Guest guest = world.guest(1);
        world.addVif(guest, NetbackFeatures.LINUX);
        Nic nic = guest.awaitNic("vif-0");
        SimNetback backend = world.toolstack.vif(1, 0).orElseThrow().backend();
        guest.close();
        assertEquals(NicState.DOWN, nic.state());
        // As the toolstack made it, so that another frontend (the guest kernel's) can take it.
        assertEquals(String.valueOf(XenbusState.INITIALISING.code()),
                world.store.read(SimNetback.frontendPath(1, 0) + "/state"));
        SimWorld.waitFor("the backend waiting for a frontend again",
                () -> backend.backendState() == XenbusState.INIT_WAIT);
        assertEquals(0, guest.domain.grants().activeGrants());
        assertEquals(0, guest.domain.events().openPorts());
    }

    @Test
    void framesLostWhileTheReceiversBackendRestartsAreCountedNotSilent() throws Exception {
        Nic[] nics = pair(NetbackFeatures.LINUX, NetfrontConfig.DEFAULTS);
        AtomicLong received = new AtomicLong();
        nics[1].setReceiver((queue, frame, offload) -> received.incrementAndGet());
        SimNetback oldBackend = world.toolstack.vif(2, 0).orElseThrow().backend();
        ByteBuffer frame = NetfrontExchangeTest.frame(nics[1].macAddress(), nics[0].macAddress(), 64);
        // Each phase ends on what was observed, not after a number of frames, so a slow machine changes only
        // how many frames each phase takes.
        long sent = sendUntil(nics[0], frame, "frames reaching the receiver", () -> received.get() > 0);
        CompletableFuture<?> restart = world.toolstack.restartBackend(2, 0, NetbackFeatures.LINUX);
        sent += sendUntil(nics[0], frame, "the receiver's backend restarted", restart::isDone);
        restart.get();
        long receivedBeforeReconnect = received.get();
        sent += sendUntil(nics[0], frame, "frames reaching the receiver again",
                () -> received.get() > receivedBeforeReconnect);
        SimNetback newBackend = world.toolstack.vif(2, 0).orElseThrow().backend();
        SimNetback sender = world.toolstack.vif(1, 0).orElseThrow().backend();
        long attempted = sent;
        SimWorld.waitFor("every frame accounted for", () -> {
            NicStatistics.QueueCounters a = nics[0].statistics().total();
            NicStatistics.QueueCounters b = nics[1].statistics().total();
            long leftSender = a.txPackets() + a.txDropped() + a.txErrors();
            long reachedReceiver = received.get() + b.rxDropped() + b.rxErrors() + oldBackend.framesDropped()
                    + newBackend.framesDropped() + world.fabric.unforwardedFrames();
            return leftSender == attempted && a.txPackets() == sender.framesFromGuest()
                    && reachedReceiver == sender.framesFromGuest();
        });
        long dropped = oldBackend.framesDropped() + newBackend.framesDropped() + world.fabric.unforwardedFrames()
                + nics[1].statistics().total().rxDropped() + nics[0].statistics().total().txDropped();
        assertTrue(dropped > 0, "the restart cost frames (" + dropped + "), and each is counted somewhere");
    }

    /** Sends copies of {@code frame} until {@code done} holds; returns how many sends were attempted. */
    private static long sendUntil(Nic nic, ByteBuffer frame, String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SimWorld.BOUND_SECONDS);
        long attempted = 0;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + SimWorld.BOUND_SECONDS + " s sending and waiting for " + what);
            }
            nic.send(frame.duplicate(), Offload.NONE);
            attempted++;
            if (attempted % 64 == 0) {
                Thread.yield();
            }
        }
        return attempted;
    }

    @Test
    void framesCrossIntactWhenTheBackendIsNotTrusted() throws Exception {
        world = new SimWorld();
        SimWorld.Guest one = world.guest(1);
        SimWorld.Guest two = world.guest(2);
        world.toolstack.addVif(1, NetbackFeatures.LINUX, false);
        world.toolstack.addVif(2, NetbackFeatures.LINUX, false);
        Nic a = one.awaitNic("vif-0");
        Nic b = two.awaitNic("vif-0");
        BlockingQueue<Received> atB = receiveOn(b);
        // With trusted=0 netfront zeroes what it shares (page tails on TX, whole pages on RX); frames stay intact.
        for (int size : new int[] {65535, 9000, 100, 14, 4097}) {
            assertCrosses(a, b, atB, size, Offload.NONE);
        }
    }

    @Test
    void aFrameOfMoreThan65535BytesFromAnotherPortIsReceivedWhole() throws Exception {
        Nic[] nics = pair(NetbackFeatures.LINUX, NetfrontConfig.DEFAULTS);
        BlockingQueue<Received> atA = receiveOn(nics[0]);
        // netif's TX size is 16 bits, so no guest can send this; a port such as a TAP device can.
        byte[] data = NetfrontExchangeTest.frame(nics[0].macAddress(), MacAddress.parse("02:00:00:00:00:01"),
                0xffff + 14).array();
        org.xenpv.sim.netback.SimSwitch.Port tap = new org.xenpv.sim.netback.SimSwitch.Port() {
            @Override
            public void deliver(org.xenpv.sim.netback.SimFrame frame) {
            }

            @Override
            public String name() {
                return "tap";
            }
        };
        world.fabric.attach(tap);
        world.fabric.transmit(tap, org.xenpv.sim.netback.SimFrame.plain(data));
        Received received = next(atA);
        assertArrayEquals(data, received.data(), "65549 bytes, byte for byte");
        world.fabric.detach(tap);
    }
}
