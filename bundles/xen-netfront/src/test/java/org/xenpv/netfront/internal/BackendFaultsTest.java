package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xenpv.netfront.internal.BystanderTraffic.countFrom;
import static org.xenpv.netfront.internal.BystanderTraffic.threadsLeft;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.NicStatistics;
import org.xenpv.net.Offload;
import org.xenpv.sim.netback.NetbackFault;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimNetback;

/**
 * The simulated netback lies ({@link NetbackFault}) on one vif of a guest
 * while another vif of the same guest, served by the same event dispatcher,
 * exchanges frames with a second guest. For every fault: the attacked device
 * makes progress or goes DOWN saying why, no exception reaches a Nic user,
 * the other vif's frames all arrive, every frame sent is delivered or
 * counted, and once the guests close nothing is held and no thread is left.
 */
class BackendFaultsTest {
    /** One queue with one shared event channel, as the oldest backends offer. */
    private static final NetbackFeatures ONE_QUEUE =
            new NetbackFeatures(true, true, true, true, true, true, false, 1);

    private SimWorld world;
    private Set<Thread> threadsBefore;
    private Nic attacked;
    private Nic other;
    private Nic peer;
    private SimNetback attackedBackend;
    private final AtomicLong atOther = new AtomicLong();
    private final AtomicLong atPeer = new AtomicLong();
    private final AtomicLong atAttacked = new AtomicLong();
    /** The lengths of the frames the attacked device delivered. */
    private final List<Integer> attackedLengths = new CopyOnWriteArrayList<>();
    private final AtomicLong atPeerFromAttacked = new AtomicLong();
    /** Frames the attacked device refused, which it counts as dropped. */
    private long refused;

    @BeforeEach
    void connect() throws Exception {
        threadsBefore = new HashSet<>(Thread.getAllStackTraces().keySet());
        world = new SimWorld();
        SimWorld.Guest guest = world.guest(1);
        SimWorld.Guest second = world.guest(2);
        attackedBackend = world.addVif(guest, ONE_QUEUE).backend();
        world.addVif(guest, ONE_QUEUE);
        world.addVif(second, ONE_QUEUE);
        attacked = guest.awaitNic("vif-0");
        other = guest.awaitNic("vif-1");
        peer = second.awaitNic("vif-0");
        attacked.setReceiver((queue, frame, offload) -> {
            attackedLengths.add(frame.remaining());
            atAttacked.incrementAndGet();
        });
        // Counted by sender: the switch floods a frame to a MAC it has not learned to every port.
        other.setReceiver((queue, frame, offload) -> countFrom(peer, frame, atOther));
        peer.setReceiver((queue, frame, offload) -> {
            countFrom(other, frame, atPeer);
            countFrom(attacked, frame, atPeerFromAttacked);
        });
    }

    @AfterEach
    void close() throws Exception {
        world.close();
        world.assertClean();
        SimWorld.waitFor("the threads of the test's guests and backends to end",
                () -> threadsLeft(threadsBefore).isEmpty());
    }

    private ByteBuffer frameToPeer(int size) {
        return NetfrontExchangeTest.frame(peer.macAddress(), attacked.macAddress(), size);
    }

    private void assertDownSaying(String reasonPart) throws InterruptedException {
        SimWorld.waitFor("the attacked device DOWN", () -> attacked.state() == NicState.DOWN);
        String reason = attacked.info().brokenReason().orElseThrow();
        assertTrue(reason.contains(reasonPart), reason);
        assertFalse(attacked.send(frameToPeer(100), Offload.NONE), "a broken device refuses frames, not throws");
        assertEquals(0, attacked.sendBatch(List.of(frameToPeer(100), frameToPeer(100)), Offload.NONE),
                "a batch on a broken device is refused");
        refused += 3;
        SimWorld.waitFor("the reason in XenStore's error node",
                () -> world.store.read("/local/domain/1/error/device/vif/0/error") != null);
        assertTrue(world.store.read("/local/domain/1/error/device/vif/0/error").contains(reasonPart));
        assertEquals(reason, attacked.info().brokenReason().orElseThrow(), "the first reason stays");
    }

    /** Every frame the attacked device took is delivered or counted, once the guests have closed. */
    private void assertEveryFrameAccounted(long offered) throws Exception {
        world.close();
        NicStatistics.QueueCounters total = attacked.statistics().total();
        assertEquals(offered + refused, total.txPackets() + total.txDropped() + total.txErrors(),
                "frames offered = sent + dropped + errors: " + total);
    }

    @ParameterizedTest
    @EnumSource(value = NetbackFault.class, names = {"RX_PRODUCER_AHEAD",
        "TX_PRODUCER_AHEAD", "TX_PRODUCER_BACKWARDS", "RX_ENDLESS_EXTRA_CHAIN", "RX_UNKNOWN_EXTRA_TYPE", "RX_BAD_ID",
        "RX_OUT_OF_PAGE"})
    void aLieWrittenIntoTheRingsTakesOnlyItsDeviceDown(NetbackFault fault) throws Exception {
        attackedBackend.inject(0, fault);
        assertDownSaying(switch (fault) {
            case RX_PRODUCER_AHEAD -> "RX response producer";
            case TX_PRODUCER_AHEAD, TX_PRODUCER_BACKWARDS -> "TX response producer";
            case RX_ENDLESS_EXTRA_CHAIN, RX_UNKNOWN_EXTRA_TYPE -> "RX: extra info";
            case RX_BAD_ID -> "names another buffer";
            case RX_OUT_OF_PAGE -> "outside its page";
            default -> throw new AssertionError(fault);
        });
        assertEquals(1, attackedBackend.faultsWritten());
        assertEquals(0, atAttacked.get(), "nothing of the lie was delivered");
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        assertEveryFrameAccounted(0);
    }

    @Test
    void anRxProducerGoingBackButStillAheadOfTheConsumerTakesOnlyItsDeviceDown() throws Exception {
        // Stopped, the device consumes nothing: the producer's step back stays ahead of its consumer, where
        // only the producer the event handler saw before shows it.
        attacked.down();
        SimWorld.waitFor("the attacked device stopped", () -> attacked.state() == NicState.STOPPED);
        attackedBackend.inject(0, NetbackFault.RX_PRODUCER_BACKWARDS);
        assertDownSaying("RX response producer went backwards");
        assertEquals(0, atAttacked.get(), "nothing of the lie was delivered");
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        assertEveryFrameAccounted(0);
    }

    @ParameterizedTest
    @EnumSource(value = NetbackFault.class, names = {"TX_BAD_ID", "TX_DUPLICATE_ID"})
    void aTxAnswerForAnIdNotInFlightTakesOnlyItsDeviceDown(NetbackFault fault) throws Exception {
        attackedBackend.inject(0, fault);
        // Two frames in one batch, so that one pass of the backend answers both.
        int taken = attacked.sendBatch(List.of(frameToPeer(100), frameToPeer(101)), Offload.NONE);
        assertEquals(2, taken);
        assertDownSaying("not in flight");
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        assertEveryFrameAccounted(taken);
    }

    @Test
    void aTruncatedPacketIsAnErrorAndTheDeviceMovesOn() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> attackedBackend.inject(1,
                NetbackFault.RX_BAD_ID)).getMessage().contains("no connected queue 1"));
        attackedBackend.inject(0, NetbackFault.RX_TRUNCATED_PACKET);
        SimWorld.waitFor("the truncated packet counted", () -> attacked.statistics().total().rxErrors() == 1);
        assertEquals(NicState.ACTIVE, attacked.state(), "an error, not a broken device");
        assertEquals(0, atAttacked.get());
        // The attacked device's own frames still flow both ways.
        assertTrue(attacked.send(frameToPeer(100), Offload.NONE));
        SimWorld.waitFor("the attacked device's frame at the peer", () -> atPeerFromAttacked.get() == 1);
        assertTrue(peer.send(NetfrontExchangeTest.frame(attacked.macAddress(), peer.macAddress(), 100),
                Offload.NONE));
        SimWorld.waitFor("the peer's frame at the attacked device", () -> atAttacked.get() == 1);
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        assertEveryFrameAccounted(1);
    }

    @Test
    void anRxStatusNoBackendWritesIsAnErrorAndTheDeviceMovesOn() throws Exception {
        attackedBackend.inject(0, NetbackFault.RX_STATUS_OUT_OF_RANGE);
        SimWorld.waitFor("the response counted as an error", () -> attacked.statistics().total().rxErrors() == 1);
        assertEquals(NicState.ACTIVE, attacked.state(), "an error, not a broken device");
        assertEquals(0, atAttacked.get());
        assertTrue(peer.send(NetfrontExchangeTest.frame(attacked.macAddress(), peer.macAddress(), 100),
                Offload.NONE));
        SimWorld.waitFor("the peer's frame at the attacked device", () -> atAttacked.get() == 1);
        // The attacked device has sent nothing, so the switch flooded that frame to the other vif too: its
        // copy must be in before the bystander traffic counts the peer's frames there.
        SimWorld.waitFor("the flooded copy at the other vif", () -> atOther.get() == 1);
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        assertEveryFrameAccounted(0);
    }

    @Test
    void aTxStatusNoBackendWritesIsAnErrorAndTheDeviceMovesOn() throws Exception {
        attackedBackend.inject(0, NetbackFault.TX_STATUS_OUT_OF_RANGE);
        assertTrue(attacked.send(frameToPeer(100), Offload.NONE));
        SimWorld.waitFor("the answer counted as an error", () -> attacked.statistics().total().txErrors() == 1);
        assertEquals(NicState.ACTIVE, attacked.state(), "an error, not a broken device");
        assertTrue(attacked.send(frameToPeer(100), Offload.NONE));
        SimWorld.waitFor("the next frame sent", () -> attacked.statistics().total().txPackets() == 1);
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        assertEveryFrameAccounted(2);
    }

    @Test
    void aResponseRewrittenAfterItWasPublishedIsReadOnceAndChecked() throws Exception {
        attackedBackend.inject(0, NetbackFault.RX_REWRITTEN_AFTER_PUBLISH);
        SimWorld.waitFor("the response delivered, or the device broken by a rewrite it read",
                () -> atAttacked.get() > 0 || attacked.state() == NicState.DOWN);
        // Which of the slot's two values the frontend read depends on the race; reading it once, it acts on one.
        if (attacked.state() == NicState.DOWN) {
            assertDownSaying("outside its page");
            assertEquals(List.of(), attackedLengths, "nothing of a response it refused was delivered");
        } else {
            // The fields are read once each, but the backend may be between writing two of them: offset 0 with
            // the lie's length 200 (or 4000 with 60) is within the page, and the frontend may take it as it is.
            assertEquals(1, attackedLengths.size(), attackedLengths.toString());
            assertTrue(attackedLengths.get(0) == 60 || attackedLengths.get(0) == 200, attackedLengths.toString());
            assertEquals(NicState.ACTIVE, attacked.state());
        }
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        assertEveryFrameAccounted(0);
    }

    @Test
    void aFrameAnsweredOnlyWithANullResponseIsCountedAsDroppedAtTheEnd() throws Exception {
        attackedBackend.inject(0, NetbackFault.TX_NULL_RESPONSE);
        assertTrue(attacked.send(frameToPeer(100), Offload.NONE));
        SimWorld.waitFor("the null answer written", () -> attackedBackend.faultsWritten() == 1);
        assertEquals(NicState.ACTIVE, attacked.state());
        assertTrue(attacked.send(frameToPeer(100), Offload.NONE));
        SimWorld.waitFor("the next frame sent", () -> attacked.statistics().total().txPackets() == 1);
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        assertEveryFrameAccounted(2);
        assertEquals(1, attacked.statistics().total().txDropped(), "the unanswered frame");
    }

    @Test
    void anEventStormIsCountedAndBackedOffWhileAnotherVifsFramesAllArrive() throws Exception {
        attackedBackend.inject(0, NetbackFault.EVENT_STORM);
        SimWorld.waitFor("the storm's port re-armed late", () -> driverStatistic(attacked, "delayed_rearms") >= 3);
        new BystanderTraffic(other, peer, atOther, atPeer).flows();
        // Frames flooded to the attacked vif while the switch learned are work, which ends the back-off; the
        // storm that goes on brings it back.
        SimWorld.waitFor("the storm backed off", () -> driverStatistic(attacked, "queue_0_rearm_delay_ms") >= 2);
        Map<String, Long> stats = attacked.driverStatistics();
        assertTrue(stats.get("queue_0_spurious_events") >= 4, stats.toString());
        assertEquals(stats.get("spurious_events"), stats.get("queue_0_spurious_events"));
        assertEquals(NicState.ACTIVE, attacked.state(), "a storm alone breaks no rule of the protocol");
        attackedBackend.calm();
        // Work ends the back-off: the device's next frame is answered and its port re-armed at once again.
        assertTrue(attacked.send(frameToPeer(100), Offload.NONE));
        SimWorld.waitFor("the attacked device's frame at the peer", () -> atPeerFromAttacked.get() == 1);
        SimWorld.waitFor("the back-off ended", () -> driverStatistic(attacked, "queue_0_rearm_delay_ms") == 0);
        assertEveryFrameAccounted(1);
    }

    private static long driverStatistic(Nic nic, String name) {
        return nic.driverStatistics().getOrDefault(name, -1L);
    }
}
