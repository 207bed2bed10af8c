package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.netif.TxResponse;
import org.xenpv.abi.ring.SharedRingDescriptor;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.Offload;
import org.xenpv.sim.hypervisor.ChannelState;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimNetback;

/**
 * A backend that writes what no honest netback would: the frontend marks the
 * device broken, says why once, keeps its counters, and never throws into its
 * callers or reads outside a page.
 */
class HostileBackendTest {
    private SimWorld world;
    private SimWorld.Guest guest;
    private Nic nic;
    private Domain dom0;

    @BeforeEach
    void connect() throws Exception {
        world = new SimWorld();
        guest = world.guest(1);
        // One queue with one shared channel, so the rings and the port are easy to find from dom0.
        world.addVif(guest, new NetbackFeatures(true, true, true, true, true, true, false, 1));
        nic = guest.awaitNic("vif-0");
        dom0 = world.hypervisor.domain(0).orElseThrow();
    }

    @AfterEach
    void close() throws Exception {
        world.close();
        world.assertClean();
    }

    /** Maps the frontend's ring named by {@code key} as dom0 and lets {@code tamper} write to it, then notifies. */
    private void tamper(String key, BiConsumer<ByteBuffer, Integer> tamper) throws Exception {
        int ref = Integer.parseInt(world.store.read(SimNetback.frontendPath(1, 0) + "/" + key));
        try (GrantMapping mapping = guest.domain.grants().map(dom0, ref, false)) {
            ByteBuffer ring = mapping.page().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int producer = ring.getInt(SharedRingDescriptor.RSP_PROD_OFFSET);
            tamper.accept(ring, producer);
        }
        int frontendPort = Integer.parseInt(world.store.read(SimNetback.frontendPath(1, 0) + "/event-channel"));
        for (int port = 1; port < 4096; port++) {
            ChannelState state = dom0.events().state(port);
            if (state.kind() == ChannelState.Kind.INTERDOMAIN && state.remoteDomid() == 1
                    && state.remotePort() == frontendPort) {
                dom0.events().send(port);
                return;
            }
        }
        throw new AssertionError("netback's port for the vif not found");
    }

    private void assertBroken(String reasonPart) throws InterruptedException {
        SimWorld.waitFor("the device marked broken", () -> nic.state() == NicState.DOWN);
        String reason = nic.info().brokenReason().orElseThrow();
        assertTrue(reason.contains(reasonPart), reason);
        ByteBuffer frame = NetfrontExchangeTest.frame(nic.macAddress(), nic.macAddress(), 100);
        assertFalse(nic.send(frame, Offload.NONE), "sending on a broken device is refused, not thrown");
        SimWorld.waitFor("the error node", () -> world.store.read("/local/domain/1/error/device/vif/0/error") != null);
        assertTrue(world.store.read("/local/domain/1/error/device/vif/0/error").contains(reasonPart));
    }

    @Test
    void aResponseProducerFarAheadBreaksTheDevice() throws Exception {
        tamper("rx-ring-ref", (ring, producer) -> ring.putInt(SharedRingDescriptor.RSP_PROD_OFFSET, producer + 5000));
        assertBroken("RX response producer");
    }

    @Test
    void aResponseProducerMovingBackwardsBreaksTheDevice() throws Exception {
        ByteBuffer frame = NetfrontExchangeTest.frame(nic.macAddress(), nic.macAddress(), 100);
        nic.send(frame, Offload.NONE);
        SimWorld.waitFor("a TX response consumed", () -> nic.statistics().total().txPackets() == 1);
        tamper("tx-ring-ref", (ring, producer) -> ring.putInt(SharedRingDescriptor.RSP_PROD_OFFSET, producer - 3));
        assertBroken("TX response producer");
    }

    @Test
    void aTxResponseForAnIdNotInFlightBreaksTheDevice() throws Exception {
        tamper("tx-ring-ref", (ring, producer) -> {
            // Claim a response for a request that was never made: the producer passes the requests too.
            TxResponse.write(ring, SharedRingDescriptor.SLOTS_OFFSET + (producer % 256) * 12, 77, 0);
            ring.putInt(SharedRingDescriptor.RSP_PROD_OFFSET, producer + 1);
        });
        assertBroken("TX response producer");
    }

    @Test
    void anRxResponseReachingOutsideItsPageBreaksTheDevice() throws Exception {
        tamper("rx-ring-ref", (ring, producer) -> {
            int slot = SharedRingDescriptor.SLOTS_OFFSET + (producer % 256) * 8;
            RxResponse.write(ring, slot, producer & 255, 4000, 0, 200);
            ring.putInt(SharedRingDescriptor.RSP_PROD_OFFSET, producer + 1);
        });
        assertBroken("outside its page");
        assertEquals(0, nic.statistics().total().rxPackets(), "nothing was delivered");
    }

    @Test
    void anRxResponseNamingAnotherBufferBreaksTheDevice() throws Exception {
        tamper("rx-ring-ref", (ring, producer) -> {
            int slot = SharedRingDescriptor.SLOTS_OFFSET + (producer % 256) * 8;
            RxResponse.write(ring, slot, (producer + 9) & 255, 0, 0, 60);
            ring.putInt(SharedRingDescriptor.RSP_PROD_OFFSET, producer + 1);
        });
        assertBroken("names another buffer");
    }

    @Test
    void anRxPacketWhoseSlotsAreNotAllPublishedIsAnErrorAndTheQueueMovesOn() throws Exception {
        // One response that promises more data, and nothing after it: waiting for the rest would hold the
        // queue's thread (and every device it serves) for good. It is consumed and counted as an error.
        tamper("rx-ring-ref", (ring, producer) -> {
            int slot = SharedRingDescriptor.SLOTS_OFFSET + (producer % 256) * 8;
            RxResponse.write(ring, slot, producer & 255, 0, org.xenpv.abi.netif.Netif.NETRXF_MORE_DATA, 60);
            ring.putInt(SharedRingDescriptor.RSP_PROD_OFFSET, producer + 1);
        });
        AtomicInteger delivered = new AtomicInteger();
        nic.setReceiver((queue, frame, offload) -> delivered.incrementAndGet());
        SimWorld.waitFor("the partial packet counted as an error", () -> nic.statistics().total().rxErrors() == 1);
        assertEquals(NicState.ACTIVE, nic.state(), "an error, not a broken device");
        // The queue still takes what comes next: a whole one-slot packet is delivered.
        tamper("rx-ring-ref", (ring, producer) -> {
            int slot = SharedRingDescriptor.SLOTS_OFFSET + (producer % 256) * 8;
            RxResponse.write(ring, slot, producer & 255, 0, 0, 60);
            ring.putInt(SharedRingDescriptor.RSP_PROD_OFFSET, producer + 1);
        });
        SimWorld.waitFor("the next packet received", () -> nic.statistics().total().rxPackets() == 1);
        assertEquals(1, delivered.get(), "delivered to the stack, the partial packet not");
    }
}
