package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xenpv.netfront.internal.BystanderTraffic.addressedTo;
import static org.xenpv.netfront.internal.BystanderTraffic.countFrom;
import static org.xenpv.netfront.internal.BystanderTraffic.threadsLeft;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.NicStatistics;
import org.xenpv.net.Offload;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantException;
import org.xenpv.sim.hypervisor.HypervisorException;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimNetback;

/**
 * Faults of the backend's life rather than of its rings: a backend that vanishes, one whose state flaps,
 * a guest out of grants or ports when it connects, and a XenStore that stops answering the guest while a
 * vif reconnects. As in {@link BackendFaultsTest}, the attacked vif is one of guest 1's (vif-1) while the
 * other (vif-0), on the same event dispatcher, exchanges frames with guest 2, and every one of those must
 * arrive; no
 * exception reaches a caller; every frame offered is sent, dropped or an error; nothing is left held and
 * no thread is left once the guests close.
 */
class BackendLifecycleFaultsTest {
    private static final NetbackFeatures ONE_QUEUE =
            new NetbackFeatures(true, true, true, true, true, true, false, 1);
    private static final NetfrontConfig CONFIG = new NetfrontConfig(1, 256, 256, 2_000);
    /** What one connected queue grants: two rings, the TX pool and the RX pool. */
    private static final int ONE_SET = 2 + 256 + 256;
    /** Short enough that a test waits on a silent XenStore for seconds, not tens. */
    private static final long REPLY_TIMEOUT_MILLIS = 1_000;

    private SimWorld world;
    private final Faults faults = new Faults();
    private Set<Thread> threadsBefore;
    private SimWorld.Guest guest;
    private Nic other;
    private Nic peer;
    private final AtomicLong atOther = new AtomicLong();
    private final AtomicLong atPeer = new AtomicLong();
    private final AtomicLong atPeerFromAttacked = new AtomicLong();
    private final AtomicLong atAttacked = new AtomicLong();
    /** The attacked vif's Nic once it has one. */
    private volatile Nic attacked;
    /** Grant references and ports taken from guest 1 behind its stack's back. */
    private final List<Integer> hoggedGrants = new ArrayList<>();
    private final List<Integer> hoggedPorts = new ArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        threadsBefore = new HashSet<>(Thread.getAllStackTraces().keySet());
        world = new SimWorld();
        guest = world.guest(1, CONFIG, faults, REPLY_TIMEOUT_MILLIS);
        SimWorld.Guest second = world.guest(2, CONFIG);
        world.addVif(guest, ONE_QUEUE);
        world.addVif(second, ONE_QUEUE);
        other = guest.awaitNic("vif-0");
        peer = second.awaitNic("vif-0");
        // By destination too: the switch floods frames for an address it has not learned, or has forgotten
        // with the attacked vif's port, to every port.
        other.setReceiver((queue, frame, offload) -> {
            if (addressedTo(other, frame)) {
                countFrom(peer, frame, atOther);
            }
        });
        peer.setReceiver((queue, frame, offload) -> {
            if (!addressedTo(peer, frame)) {
                return;
            }
            countFrom(other, frame, atPeer);
            Nic target = attacked;
            if (target != null) {
                countFrom(target, frame, atPeerFromAttacked);
            }
        });
    }

    /** Adds the vif to attack, vif-1 of guest 1, and waits for it to be ACTIVE. */
    private Nic attackedVif() throws Exception {
        world.addVif(guest, ONE_QUEUE);
        Nic attacked = guest.awaitNic("vif-1");
        receiveFrom(attacked);
        return attacked;
    }

    private void receiveFrom(Nic nic) {
        nic.setReceiver((queue, frame, offload) -> {
            if (addressedTo(nic, frame)) {
                atAttacked.incrementAndGet();
            }
        });
        attacked = nic;
    }

    @AfterEach
    void close() throws Exception {
        world.store.answerAgain(1);
        releaseHogs();
        world.close();
        world.assertClean();
        SimWorld.waitFor("the threads of the test's guests and backends to end",
                () -> threadsLeft(threadsBefore).isEmpty());
    }

    /** The attacked device carries a frame each way. */
    private void attackedTrafficFlows(Nic attacked) throws InterruptedException {
        long sentBefore = atPeerFromAttacked.get();
        long receivedBefore = atAttacked.get();
        assertTrue(attacked.send(NetfrontExchangeTest.frame(peer.macAddress(), attacked.macAddress(), 100),
                Offload.NONE));
        SimWorld.waitFor("the attacked device's frame at the peer", () -> atPeerFromAttacked.get() == sentBefore + 1);
        assertTrue(peer.send(NetfrontExchangeTest.frame(attacked.macAddress(), peer.macAddress(), 100),
                Offload.NONE));
        SimWorld.waitFor("the peer's frame at the attacked device", () -> atAttacked.get() == receivedBefore + 1);
    }

    /** Every frame the attacked device took is sent, dropped or an error, once the guests have closed. */
    private void assertEveryFrameAccounted(Nic attacked, long offered) throws Exception {
        world.close();
        NicStatistics.QueueCounters total = attacked.statistics().total();
        assertEquals(offered, total.txPackets() + total.txDropped() + total.txErrors(),
                "frames offered = sent + dropped + errors: " + total);
    }

    private static long statistic(Nic nic, String name) {
        return nic.driverStatistics().getOrDefault(name, -1L);
    }

    @Test
    void aBackendThatVanishesMidTrafficLeavesItsDeviceDownSayingSo() throws Exception {
        Nic attacked = attackedVif();
        // Frames in flight both ways when the backend goes; one refused for want of room is counted dropped.
        for (int i = 0; i < 20; i++) {
            attacked.send(NetfrontExchangeTest.frame(peer.macAddress(), attacked.macAddress(), 60 + i),
                    Offload.NONE);
            peer.send(NetfrontExchangeTest.frame(attacked.macAddress(), peer.macAddress(), 60 + i), Offload.NONE);
        }
        world.toolstack.vanishBackend(1, 1);

        SimWorld.waitFor("the attacked device DOWN", () -> attacked.state() == NicState.DOWN);
        String reason = attacked.info().brokenReason().orElseThrow();
        assertTrue(reason.contains("the backend vanished"), reason);
        assertTrue(guest.nics.containsKey("vif-1"), "still there, so that netfront:stats tells why");
        assertFalse(attacked.send(NetfrontExchangeTest.frame(peer.macAddress(), attacked.macAddress(), 100),
                Offload.NONE), "a broken device refuses frames, not throws");
        SimWorld.waitFor("the reason in XenStore's error node",
                () -> world.store.read("/local/domain/1/error/device/vif/1/error") != null);
        assertTrue(world.store.read("/local/domain/1/error/device/vif/1/error").contains("the backend vanished"));
        SimWorld.waitFor("the vanished vif's grants and port released",
                () -> guest.domain.grants().activeGrants() == ONE_SET && guest.domain.events().openPorts() == 1);
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        assertEquals(reason, attacked.info().brokenReason().orElseThrow(), "the first reason stays");
        assertEveryFrameAccounted(attacked, 20 + 1);
    }

    @Test
    void aBackendWhoseStateFlapsEndsConnectedWithNeverMoreThanOneSetOfQueues() throws Exception {
        Nic attacked = attackedVif();
        SimNetback flapping = world.toolstack.vif(1, 1).orElseThrow().backend();
        long attemptsBefore = statistic(attacked, "connect_attempts");
        AtomicInteger mostGrants = new AtomicInteger();
        AtomicInteger mostPorts = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                mostGrants.accumulateAndGet(guest.domain.grants().activeGrants(), Math::max);
                mostPorts.accumulateAndGet(guest.domain.events().openPorts(), Math::max);
                Thread.onSpinWait();
            }
        }, "grant-sampler");
        sampler.start();
        int initWaits;
        try {
            initWaits = flapping.flapState(200, 1);
            new BystanderTraffic(other, peer, atOther, atPeer).flows();
            // Settled, only a handshake begun after the flapping gets the netback Connected.
            SimWorld.waitFor("the device connected again", () -> flapping.backendState() == XenbusState.CONNECTED
                    && guest.nics.get("vif-1") == attacked && attacked.state() == NicState.ACTIVE);
            attackedTrafficFlows(attacked);
        } finally {
            sampling.set(false);
            sampler.join();
        }
        assertTrue(attacked.info().brokenReason().isEmpty(), attacked.info().brokenReason().toString());
        assertTrue(mostGrants.get() <= 2 * ONE_SET, "never more than one set per vif: " + mostGrants.get());
        assertTrue(mostPorts.get() <= 2, "never more than one port per vif: " + mostPorts.get());
        long attempts = statistic(attacked, "connect_attempts") - attemptsBefore;
        // One handshake per InitWait the frontend saw (flips are coalesced), and the one after settling.
        assertTrue(attempts >= 1 && attempts <= initWaits + 1, attempts + " attempts for " + initWaits
                + " InitWaits");
        assertEveryFrameAccounted(attacked, 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"grants", "ports"})
    void aGuestOutOfGrantsOrPortsFailsToConnectCleanlyAndConnectsOnceTheyAreBack(String exhausted)
            throws Exception {
        int grantsBefore = guest.domain.grants().activeGrants();
        int portsBefore = guest.domain.events().openPorts();
        if (exhausted.equals("grants")) {
            // Room for the rings and the TX pool, not for the RX pool: the failure comes half-way through.
            hogGrants(guest.domain, ONE_SET - 100);
        } else {
            hogPorts(guest.domain);
        }
        world.addVif(guest, ONE_QUEUE);
        SimWorld.waitFor("the vif's connection tried again after failing", () -> guest.netfronts().nics().stream()
                .anyMatch(n -> n.name().equals("vif-1") && statistic(n, "handshake_failures") >= 2));
        Nic failing = guest.netfronts().nics().stream().filter(n -> n.name().equals("vif-1")).findFirst()
                .orElseThrow();
        String error = world.store.read("/local/domain/1/error/device/vif/1/error");
        assertTrue(error != null && error.contains("allocating queues"), error);
        assertEquals(NicState.DOWN, failing.state());
        assertFalse(guest.nics.containsKey("vif-1"), "not published before it connects");
        assertEquals(grantsBefore + hoggedGrants.size(), guest.domain.grants().activeGrants(),
                "no grant of a failed attempt left");
        assertEquals(portsBefore + hoggedPorts.size(), guest.domain.events().openPorts(),
                "no port of a failed attempt left");
        long attempts = statistic(failing, "connect_attempts");
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        assertTrue(statistic(failing, "connect_attempts") <= attempts + 1, "backed off, not spinning");

        releaseHogs();
        Nic connected = guest.awaitNic("vif-1");
        receiveFrom(connected);
        attackedTrafficFlows(connected);
        assertEveryFrameAccounted(connected, 1);
    }

    @Test
    void aXenStoreThatStopsAnsweringWhileAVifReconnectsHoldsItsThreadOnlyForABoundedTime() throws Exception {
        Nic nic = attackedVif();
        world.store.stopAnswering(1);
        var restarted = world.toolstack.restartBackend(1, 1, ONE_QUEUE);
        SimWorld.waitFor("the handshake's XenStore failure counted",
                () -> statistic(nic, "handshake_failures") >= 1);
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        world.store.answerAgain(1);
        SimNetback backend = restarted.get(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS).backend();
        SimWorld.waitFor("the device connected to the new backend", () -> backend.backendState()
                == XenbusState.CONNECTED && guest.nics.get("vif-1") == nic && nic.state() == NicState.ACTIVE);
        attackedTrafficFlows(nic);
        assertTrue(nic.info().brokenReason().isEmpty());
        assertEveryFrameAccounted(nic, 1);
    }

    @Test
    void aFloodOfWritesToTheBackendsWatchedStateLeavesTheDeviceConnectedAndTheOthersFlowing() throws Exception {
        Nic nic = attackedVif();
        long attemptsBefore = statistic(nic, "connect_attempts");
        int grantsBefore = guest.domain.grants().activeGrants();
        int portsBefore = guest.domain.events().openPorts();
        String state = "/local/domain/0/backend/vif/1/1/state";
        String connected = world.store.read(state);
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        // Every write fires the frontend's watch on the backend's state, the value never changing: what
        // another domain writing as fast as XenStore lets it costs the guest.
        Thread flooder = new Thread(() -> {
            while (flooding.get()) {
                world.store.write(state, connected);
                writes.incrementAndGet();
            }
        }, "watch-flooder");
        AtomicLong seenByTheGuest = new AtomicLong();
        var watch = guest.xenstore().watch(state, path -> seenByTheGuest.incrementAndGet());
        flooder.start();
        try {
            SimWorld.waitFor("20 000 writes to the watched node", () -> writes.get() >= 20_000);
            // Coalesced per watch, so far fewer than the writes, but the flood does reach the guest.
            SimWorld.waitFor("the flood's events at the guest", () -> seenByTheGuest.get() >= 2);
            new BystanderTraffic(other, peer, atOther, atPeer).flows();
            attackedTrafficFlows(nic);
        } finally {
            flooding.set(false);
            flooder.join();
            watch.close();
        }
        assertEquals(NicState.ACTIVE, nic.state());
        assertTrue(nic.info().brokenReason().isEmpty(), nic.info().brokenReason().toString());
        assertEquals(attemptsBefore, statistic(nic, "connect_attempts"), "no reconnection: the state never changed");
        assertEquals(grantsBefore, guest.domain.grants().activeGrants(), "grants");
        assertEquals(portsBefore, guest.domain.events().openPorts(), "ports");
        assertEveryFrameAccounted(nic, 1);
    }

    @Test
    void aTeardownThatXenStoreCutsShortLeavesNoSecondSetOfQueues() throws Exception {
        Nic nic = attackedVif();
        faults.refuseClosed.set(1);
        SimNetback backend = world.toolstack.restartBackend(1, 1, ONE_QUEUE).get(SimWorld.BOUND_SECONDS,
                TimeUnit.SECONDS).backend();
        SimWorld.waitFor("the device connected to the new backend", () -> backend.backendState()
                == XenbusState.CONNECTED && guest.nics.get("vif-1") == nic && nic.state() == NicState.ACTIVE);
        assertEquals(1, faults.injected.get(), "the teardown's switch to Closed failed");
        assertEquals(2 * ONE_SET, guest.domain.grants().activeGrants(), "one set per vif");
        assertEquals(2, guest.domain.events().openPorts(), "one port per vif");
        attackedTrafficFlows(nic);
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        assertEveryFrameAccounted(nic, 1);
    }

    private void hogGrants(Domain domain, int leaveFree) throws GrantException {
        ByteBuffer page = ByteBuffer.allocateDirect(org.xenpv.sim.hypervisor.GrantTable.PAGE_SIZE);
        while (domain.grants().freeReferences() > leaveFree) {
            hoggedGrants.add(domain.grants().grantAccess(0, page.duplicate(), true));
        }
    }

    private void hogPorts(Domain domain) {
        while (true) {
            try {
                hoggedPorts.add(domain.events().allocUnbound(0, port -> { }));
            } catch (HypervisorException full) {
                return;
            }
        }
    }

    private void releaseHogs() throws Exception {
        for (int ref : hoggedGrants) {
            guest.domain.grants().endAccess(ref);
        }
        hoggedGrants.clear();
        for (int port : hoggedPorts) {
            guest.domain.events().close(port);
        }
        hoggedPorts.clear();
    }
}
