package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.Offload;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimNetback;

/**
 * The device's lifecycle: XenStore work and waits on the backend happen on the device's own thread, a
 * connection that fails midway leaves nothing behind and is tried again, and a failing stack is counted.
 */
class NetfrontLifecycleTest {
    /** Pages one queue grants: its two rings and its two buffer pools. */
    private static final int PAGES_PER_QUEUE = 2 + 256 + 256;
    private static final NetfrontConfig TWO_QUEUES = new NetfrontConfig(2, 256, 256, 5_000);
    private static final String ERROR_NODE = "/local/domain/1/error/device/vif/0/error";

    private SimWorld world;

    @AfterEach
    void cleanUp() throws Exception {
        if (world != null) {
            world.close();
            world.assertClean();
        }
    }

    /** Where the handshake can fail, how to make it fail there, and what the error node then says. */
    enum FailurePoint {
        FEATURE_READ(f -> f.failFeatureReads = true, f -> f.failFeatureReads = false,
                "5 netfront: reading the backend's features"),
        QUEUE_ALLOCATION(f -> f.grantQuota = PAGES_PER_QUEUE, f -> f.grantQuota = Integer.MAX_VALUE,
                "12 netfront: allocating queues"),
        TRANSACTION(f -> f.failTransactions = true, f -> f.failTransactions = false,
                "11 netfront: writing the handshake"),
        SWITCH_TO_CONNECTED(f -> f.refuseConnected = true, f -> f.refuseConnected = false,
                "13 netfront: switching to Connected");

        final Consumer<Faults> inject;
        final Consumer<Faults> lift;
        final String error;

        FailurePoint(Consumer<Faults> inject, Consumer<Faults> lift, String error) {
            this.inject = inject;
            this.lift = lift;
            this.error = error;
        }
    }

    private String errorNode() {
        String value = world.store.read(ERROR_NODE);
        return value == null ? "" : value;
    }

    @ParameterizedTest
    @EnumSource(FailurePoint.class)
    void aHandshakeThatFailsMidwayReleasesWhatItMadeReportsItAndConnectsLater(FailurePoint point) throws Exception {
        world = new SimWorld();
        Faults faults = new Faults();
        point.inject.accept(faults);
        SimWorld.Guest guest = world.guest(1, TWO_QUEUES, faults);
        world.addVif(guest, NetbackFeatures.LINUX);

        SimWorld.waitFor("the error node written", () -> errorNode().startsWith(point.error));
        assertTrue(faults.injected.get() > 0, "the failure was injected");
        // Between attempts the failed one holds nothing; a leak would keep these above zero for good.
        SimWorld.waitFor("no grant or port held after the failure (grants "
                + guest.domain.grants().activeGrants() + ", ports " + guest.domain.events().openPorts() + ")",
                () -> guest.domain.grants().activeGrants() == 0 && guest.domain.events().openPorts() == 0);
        assertFalse(guest.nics.containsKey("vif-0"), "no Nic published for a failed handshake");

        point.lift.accept(faults);
        Nic nic = guest.awaitNic("vif-0");
        assertEquals(2, nic.queueCount());
        assertEquals(2 * PAGES_PER_QUEUE, guest.domain.grants().activeGrants(),
                "one set of queues: the retry added none to what failed");
        assertEquals(2 * 2, guest.domain.events().openPorts(), "two split channels per queue");
        assertEquals(XenbusState.CONNECTED, world.toolstack.vif(1, 0).orElseThrow().backend().backendState());
        assertEquals(List.of(), faults.offDeviceThread, "XenStore work done off the device's thread");
    }

    @Test
    void aReconnectionAfterABackendRestartKeepsOneSetOfQueues() throws Exception {
        world = new SimWorld();
        SimWorld.Guest guest = world.guest(1, TWO_QUEUES);
        world.addVif(guest, NetbackFeatures.LINUX);
        Nic nic = guest.awaitNic("vif-0");
        for (int restart = 0; restart < 3; restart++) {
            world.toolstack.restartBackend(1, 0, NetbackFeatures.LINUX).get(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
            SimWorld.waitFor("vif-0 ACTIVE again with one set of queues",
                    () -> nic.state() == NicState.ACTIVE
                            && guest.domain.grants().activeGrants() == 2 * PAGES_PER_QUEUE
                            && guest.domain.events().openPorts() == 2 * 2);
        }
    }

    @Test
    void theToolstacksFrameTotalsKeepWhatRestartedAndRemovedBackendsCounted() throws Exception {
        world = new SimWorld();
        SimWorld.Guest guest = world.guest(1, TWO_QUEUES);
        world.addVif(guest, NetbackFeatures.LINUX);
        world.addVif(guest, NetbackFeatures.LINUX);
        Nic from = guest.awaitNic("vif-0");
        Nic to = guest.awaitNic("vif-1");
        java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        to.setReceiver((queue, frame, offload) -> received.incrementAndGet());
        ByteBuffer frame = ByteBuffer.allocate(60);
        to.macAddress().write(frame, 0);
        from.macAddress().write(frame, 6);
        for (int i = 0; i < 10; i++) {
            from.send(frame.duplicate(), Offload.NONE);
        }
        SimWorld.waitFor("10 frames received", () -> received.get() == 10);

        world.toolstack.restartBackend(1, 1, NetbackFeatures.LINUX).get(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
        world.toolstack.restartBackend(1, 0, NetbackFeatures.LINUX).get(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
        assertEquals(10, world.toolstack.frameTotals()[0], "frames from the guest, by the backend restarted");
        assertEquals(10, world.toolstack.frameTotals()[2], "frames to the guest, by the backend restarted");
        SimWorld.waitFor("vif-0 and vif-1 ACTIVE again", () -> from.state() == NicState.ACTIVE
                && to.state() == NicState.ACTIVE);
        for (int i = 0; i < 5; i++) {
            from.send(frame.duplicate(), Offload.NONE);
        }
        SimWorld.waitFor("15 frames received", () -> received.get() == 15);
        world.toolstack.removeVif(1, 0).get(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
        long[] totals = world.toolstack.frameTotals();
        assertEquals(15, totals[0], "frames from the guest, by the removed vif's two backends");
        assertEquals(15, totals[2], "frames to the guest, by vif-1's two backends");
        assertEquals(0, totals[1] + totals[3], "no error, no drop");
    }

    @Test
    void closingReturnsAtOnceAndFinishesOnTheDevicesThreadWhenTheBackendAnswers() throws Exception {
        world = new SimWorld();
        Faults faults = new Faults();
        SimWorld.Guest guest = world.guest(1, NetfrontConfig.DEFAULTS, faults);
        world.addVif(guest, NetbackFeatures.LINUX);
        world.addVif(guest, NetbackFeatures.LINUX);
        guest.awaitNic("vif-0");
        guest.awaitNic("vif-1");
        SimNetback backend = world.toolstack.vif(1, 0).orElseThrow().backend();
        CountDownLatch backendAnswers = new CountDownLatch(1);
        faults.slowBackend = backendAnswers;

        CompletableFuture<Void> closed = guest.netfronts().closeAll();

        assertFalse(closed.isDone(), "the close waits for the backend, but not on the caller's thread");
        SimWorld.waitFor("both Nics withdrawn at the start of the close", guest.nics::isEmpty);
        assertTrue(guest.domain.grants().activeGrants() > 0, "grants kept while the backend may still map them");
        backendAnswers.countDown();
        closed.get(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
        SimWorld.waitFor("no netfront thread left", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("xenpv-netfront-") && t.isAlive()));
        world.assertNothingHeld();
        SimWorld.waitFor("the vif handed back to the toolstack's state",
                () -> backend.backendState() == XenbusState.INIT_WAIT);
        assertEquals(List.of(), faults.offDeviceThread, "XenStore work done off the device's thread");
    }

    @Test
    void aDriverThatTakesAVifOverWaitsUntilTheOneClosingItHasLetGo() throws Exception {
        world = new SimWorld();
        Faults faults = new Faults();
        SimWorld.Guest guest = world.guest(1, NetfrontConfig.DEFAULTS, faults);
        world.addVif(guest, NetbackFeatures.LINUX);
        guest.awaitNic("vif-0");
        CountDownLatch backendAnswers = new CountDownLatch(1);
        faults.slowBackend = backendAnswers;
        org.xenpv.xenbus.XenBusDevice vif = guest.device("vif-0");

        // As a bundle update does: the old driver closes in the background while the new one starts.
        CompletableFuture<Void> closed = guest.netfronts().remove(vif);
        SimWorld.waitFor("the old Nic withdrawn", guest.nics::isEmpty);
        guest.netfronts().add(vif);
        faults.slowBackend = null;
        assertFalse(closed.isDone(), "the old driver is still closing");
        assertFalse(guest.nics.containsKey("vif-0"), "the new driver did not start while the old one closes");
        backendAnswers.countDown();
        closed.get(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
        Nic nic = guest.awaitNic("vif-0");
        assertEquals(nic.queueCount() * PAGES_PER_QUEUE, guest.domain.grants().activeGrants());
    }

    @Test
    void aReceiverThatThrowsIsCountedForEveryFrame() throws Exception {
        world = new SimWorld();
        Nic[] nics = world.connectedPair(NetbackFeatures.LINUX, NetfrontConfig.DEFAULTS);
        nics[1].setReceiver((queue, frame, offload) -> {
            throw new IllegalStateException("a stack that fails on every frame");
        });
        for (int i = 0; i < 5; i++) {
            ByteBuffer frame = NetfrontExchangeTest.frame(nics[1].macAddress(), nics[0].macAddress(), 100);
            assertTrue(nics[0].send(frame, Offload.NONE));
        }
        SimWorld.waitFor("five failures counted", () -> nics[1].driverStatistics().get("rx_receiver_failures") == 5);
        assertEquals(NicState.ACTIVE, nics[1].state(), "a failing stack does not take the Nic down");
        assertEquals(0L, nics[0].driverStatistics().get("rx_receiver_failures"));
    }
}
