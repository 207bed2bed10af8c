package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.ring.SharedRingDescriptor;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimNetback;

/**
 * The simulated netback refuses what Linux netback refuses: a request that
 * breaks netif fails the vif (Closing, error node) and is counted; the
 * frontend then closes cleanly.
 */
class NetbackValidationTest {
    private SimWorld world;
    private SimWorld.Guest guest;
    private Nic nic;

    @BeforeEach
    void connect() throws Exception {
        world = new SimWorld();
        guest = world.guest(1);
        world.addVif(guest, new NetbackFeatures(true, true, true, true, true, true, false, 1));
        nic = guest.awaitNic("vif-0");
    }

    @AfterEach
    void close() throws Exception {
        world.close();
        world.assertNothingHeld();
    }

    /** Writes requests into the TX ring as a faulty frontend would, publishes them and notifies netback. */
    private void injectTx(int slots, int gref, int offset, int flags, int size) throws Exception {
        Domain dom0 = world.hypervisor.domain(0).orElseThrow();
        int ref = Integer.parseInt(world.store.read(SimNetback.frontendPath(1, 0) + "/tx-ring-ref"));
        try (GrantMapping mapping = guest.domain.grants().map(dom0, ref, false)) {
            ByteBuffer ring = mapping.page().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int producer = ring.getInt(SharedRingDescriptor.REQ_PROD_OFFSET);
            for (int i = 0; i < slots; i++) {
                int slot = SharedRingDescriptor.SLOTS_OFFSET + ((producer + i) % Netif.TX_RING_SIZE) * TxRequest.SIZE;
                TxRequest.write(ring, slot, gref, offset, i < slots - 1 ? flags : flags & ~Netif.NETTXF_MORE_DATA,
                        200 + i, size);
            }
            ring.putInt(SharedRingDescriptor.REQ_PROD_OFFSET, producer + slots);
        }
        int port = Integer.parseInt(world.store.read(SimNetback.frontendPath(1, 0) + "/event-channel"));
        guest.domain.events().send(port);
    }

    private void assertVifFailed(String why) throws InterruptedException {
        SimWorld.waitFor("netback counted the fatal error", () -> world.toolstack.netbackFatalErrors() == 1);
        String error = world.store.read("/local/domain/0/error/backend/vif/1/0/error");
        assertNotNull(error, "netback wrote its error node");
        assertTrue(error.contains(why), error);
        // The frontend follows the backend through Closed and connects again, as a Linux frontend would.
        SimWorld.waitFor("the vif connected again", () -> nic.state() == NicState.ACTIVE
                && world.toolstack.vif(1, 0).orElseThrow().backend().backendState() == XenbusState.CONNECTED);
        assertTrue(nic.info().brokenReason().isEmpty(), "the frontend itself did nothing wrong");
    }

    @Test
    void aSlotCrossingItsPageFailsTheVif() throws Exception {
        injectTx(1, 8, 4000, 0, 200);
        assertVifFailed("crosses its page");
    }

    @Test
    void aPacketOfTooManySlotsFailsTheVif() throws Exception {
        injectTx(NetbackQueueLimits.MAX_SLOTS + 1, 8, 0, Netif.NETTXF_MORE_DATA, 10);
        assertVifFailed("more than 18 slots");
    }

    @Test
    void aRuntIsAnsweredWithoutFailingTheVif() throws Exception {
        injectTx(1, 8, 0, 0, 10);
        // The answer is for a request the real frontend never made: it is the frontend that refuses it.
        SimWorld.waitFor("the answer reached the frontend", () -> nic.info().brokenReason().isPresent());
        assertTrue(nic.info().brokenReason().get().contains("TX response"), nic.info().brokenReason().get());
        assertEquals(0, world.toolstack.netbackFatalErrors(), "a runt is not fatal to netback");
        assertEquals(String.valueOf(XenbusState.CONNECTED.code()),
                world.store.read(SimNetback.backendPath(1, 0) + "/state"), "the backend stays Connected");
    }

    @Test
    void aFatalRequestAfterMoreThanOneCopyBatchFailsTheVifAndPublishesNothing() throws Exception {
        // Netback copies up to 64 packets per grant copy: 70 runts fill one batch and start the next, and the
        // fatal request comes in the second. All are published together, as one faulty frontend's burst.
        Domain dom0 = world.hypervisor.domain(0).orElseThrow();
        int ref = Integer.parseInt(world.store.read(SimNetback.frontendPath(1, 0) + "/tx-ring-ref"));
        int runts = 70;
        try (GrantMapping mapping = guest.domain.grants().map(dom0, ref, false)) {
            ByteBuffer ring = mapping.page().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int producer = ring.getInt(SharedRingDescriptor.REQ_PROD_OFFSET);
            for (int i = 0; i <= runts; i++) {
                int slot = SharedRingDescriptor.SLOTS_OFFSET + ((producer + i) % Netif.TX_RING_SIZE) * TxRequest.SIZE;
                if (i < runts) {
                    TxRequest.write(ring, slot, 8, 0, 0, 100 + i, 10);
                } else {
                    TxRequest.write(ring, slot, 8, 4000, 0, 100 + i, 200);
                }
            }
            ring.putInt(SharedRingDescriptor.REQ_PROD_OFFSET, producer + runts + 1);
        }
        guest.domain.events().send(Integer.parseInt(world.store.read(SimNetback.frontendPath(1, 0) + "/event-channel")));
        // The runts' answers are not published before the vif fails (as one packet at a time did not): the
        // frontend, which never made those requests, would break on them.
        assertVifFailed("crosses its page");
    }

    @Test
    void anRxRequestProducerMovedBackFailsTheVif() throws Exception {
        SimNetback backend = world.toolstack.vif(1, 0).orElseThrow().backend();
        // A frame makes netback read the RX request producer: every buffer the frontend posted.
        backend.deliver(org.xenpv.sim.netback.SimFrame.plain(new byte[60]));
        SimWorld.waitFor("the frame delivered", () -> backend.framesToGuest() == 1);
        Domain dom0 = world.hypervisor.domain(0).orElseThrow();
        int ref = Integer.parseInt(world.store.read(SimNetback.frontendPath(1, 0) + "/rx-ring-ref"));
        try (GrantMapping mapping = guest.domain.grants().map(dom0, ref, false)) {
            ByteBuffer ring = mapping.page().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            // The frontend has posted a buffer for the one taken, so it writes the producer no more for now.
            SimWorld.waitFor("the RX ring refilled", () -> ring.getInt(SharedRingDescriptor.REQ_PROD_OFFSET) == 257);
            // Far back, yet still ahead of the one request netback consumed: only its memory of the producer
            // shows it.
            ring.putInt(SharedRingDescriptor.REQ_PROD_OFFSET, 100);
        }
        backend.deliver(org.xenpv.sim.netback.SimFrame.plain(new byte[60]));
        assertVifFailed("RX request producer went backwards");
    }

    /** netback's slot limit (XEN_NETBK_LEGACY_SLOTS_MAX). */
    private static final class NetbackQueueLimits {
        static final int MAX_SLOTS = 18;
    }
}
