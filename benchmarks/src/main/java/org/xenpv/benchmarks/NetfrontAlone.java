package org.xenpv.benchmarks;

import java.nio.ByteBuffer;

import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.netif.TxResponse;
import org.xenpv.abi.ring.BackRing;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.net.Nic;
import org.xenpv.netfront.standalone.StandaloneNetfront;
import org.xenpv.sim.host.Guest;
import org.xenpv.sim.host.SimulatedHost;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.hypervisor.HypervisorException;
import org.xenpv.sim.xenstore.XenStoreServer;

/**
 * One vif with one queue and the least backend that can answer it, so that
 * the driver's own cost is seen apart from the simulated netback's: a guest
 * of the simulated host runs the real stack (grant table, event channels,
 * XenStore, XenBus, netfront), and in dom0, in place of netback, this class
 * does the handshake, maps the two rings and answers every request without
 * copying a byte. Its two halves are driven by whoever measures: {@link
 * #answerTransmits()} completes every TX request published so far, {@link
 * #fillReceive(int)} turns posted RX buffers into received frames.
 */
final class NetfrontAlone implements AutoCloseable {
    private static final int GUEST = 1;
    private static final String BACKEND = "/local/domain/0/backend/vif/1/0";
    private static final String FRONTEND = "/local/domain/1/device/vif/0";

    private final SimulatedHost host;
    private final XenStoreServer store;
    private final Domain dom0;
    final Nic nic;
    private final GrantMapping txMapping;
    private final GrantMapping rxMapping;
    private final BackRing tx;
    private final BackRing rx;
    private final int txPort;
    private final int rxPort;
    /** Frames the Nic handed to its receiver; one writer (the queue's thread). */
    private volatile long delivered;

    NetfrontAlone() throws Exception {
        host = SimulatedHost.builder().vifs(0).netfront(new StandaloneNetfront.Settings(1, 256, 256, 5_000))
                .start();
        store = host.xenStore();
        dom0 = host.hypervisor().domain(0).orElseThrow();
        Guest guest = host.guest(GUEST);
        plugVif();
        host.await("netfront to publish its rings", () -> state(FRONTEND) == XenbusState.CONNECTED
                || state(FRONTEND) == XenbusState.INITIALISED);
        int txRef = number(FRONTEND + "/" + Netif.Keys.TX_RING_REF);
        int rxRef = number(FRONTEND + "/" + Netif.Keys.RX_RING_REF);
        txMapping = guest.domain().grants().map(dom0, txRef, false);
        rxMapping = guest.domain().grants().map(dom0, rxRef, false);
        tx = BackRing.attach(txMapping.page(), Netif.TX_RING);
        rx = BackRing.attach(rxMapping.page(), Netif.RX_RING);
        // Nothing to do on the frontend's events: the measuring thread looks at the rings itself.
        txPort = dom0.events().bindInterdomain(GUEST, number(FRONTEND + "/" + Netif.Keys.EVENT_CHANNEL_TX), p -> { });
        rxPort = dom0.events().bindInterdomain(GUEST, number(FRONTEND + "/" + Netif.Keys.EVENT_CHANNEL_RX), p -> { });
        setState(XenbusState.CONNECTED);
        nic = guest.nic("vif-0");
        nic.setReceiver((queue, frame, offload) -> delivered = delivered + 1);
    }

    /**
     * The vif's two directories as the toolstack writes them, and the features
     * Linux netback offers (with one queue), then InitWait: the guest's bus
     * finds the device and netfront connects to this backend.
     */
    private void plugVif() {
        String dom0Only = "n0";
        String guestReads = "r" + GUEST;
        store.write(BACKEND, "", dom0Only, guestReads);
        store.write(BACKEND + "/" + Netif.Keys.FRONTEND, FRONTEND, dom0Only, guestReads);
        store.write(BACKEND + "/" + Netif.Keys.FRONTEND_ID, Integer.toString(GUEST), dom0Only, guestReads);
        store.write(BACKEND + "/" + Netif.Keys.ONLINE, "1", dom0Only, guestReads);
        store.write(BACKEND + "/" + Netif.Keys.HANDLE, "0", dom0Only, guestReads);
        for (String feature : new String[] {Netif.Keys.FEATURE_SG, Netif.Keys.FEATURE_GSO_TCPV4,
                Netif.Keys.FEATURE_GSO_TCPV6, Netif.Keys.FEATURE_IPV6_CSUM_OFFLOAD, Netif.Keys.FEATURE_RX_COPY,
                Netif.Keys.FEATURE_RX_NOTIFY, Netif.Keys.FEATURE_SPLIT_EVENT_CHANNELS}) {
            store.write(BACKEND + "/" + feature, "1", dom0Only, guestReads);
        }
        store.write(BACKEND + "/" + Netif.Keys.MULTI_QUEUE_MAX_QUEUES, "1", dom0Only, guestReads);
        setState(XenbusState.INIT_WAIT);
        String guestOwns = "n" + GUEST;
        String backendReads = "r0";
        store.write(FRONTEND, "", guestOwns, backendReads);
        store.write(FRONTEND + "/" + Netif.Keys.BACKEND_ID, "0", guestOwns, backendReads);
        store.write(FRONTEND + "/" + Netif.Keys.MAC, "00:16:3e:00:01:00", guestOwns, backendReads);
        store.write(FRONTEND + "/" + Netif.Keys.HANDLE, "0", guestOwns, backendReads);
        store.write(FRONTEND + "/" + Netif.Keys.TRUSTED, "1", guestOwns, backendReads);
        store.write(FRONTEND + "/" + Netif.Keys.STATE, Integer.toString(XenbusState.INITIALISING.code()), guestOwns,
                backendReads);
        // The backend's path last: the guest's bus publishes a device once it names its backend.
        store.write(FRONTEND + "/" + Netif.Keys.BACKEND, BACKEND, guestOwns, backendReads);
    }

    private void setState(XenbusState state) {
        store.write(BACKEND + "/" + Netif.Keys.STATE, Integer.toString(state.code()), "n0", "r" + GUEST);
    }

    private XenbusState state(String directory) {
        try {
            XenbusState state = XenbusState.fromCode(Long.parseLong(store.read(directory + "/" + Netif.Keys.STATE)));
            return state == null ? XenbusState.UNKNOWN : state;
        } catch (RuntimeException e) {
            return XenbusState.UNKNOWN;
        }
    }

    private int number(String path) {
        return Integer.parseInt(store.read(path));
    }

    long delivered() {
        return delivered;
    }

    /**
     * Completes every TX request published so far with OKAY (an extra-info
     * slot with NULL), publishes the responses and notifies if asked.
     *
     * @return the slots answered
     */
    int answerTransmits() throws HypervisorException {
        ByteBuffer page = tx.page();
        int producer = tx.acquireRequestProducer();
        int answered = 0;
        boolean extraNext = false;
        while (tx.requestConsumer() != producer) {
            int at = tx.consumeRequestSlot();
            int out = tx.claimResponseSlot();
            if (extraNext) {
                extraNext = (page.get(at + 1) & Netif.XEN_NETIF_EXTRA_FLAG_MORE) != 0;
                TxResponse.write(page, out, 0, Netif.NETIF_RSP_NULL);
            } else {
                extraNext = (page.getShort(at + TxRequest.FLAGS_OFFSET) & Netif.NETTXF_EXTRA_INFO) != 0;
                TxResponse.write(page, out, Short.toUnsignedInt(page.getShort(at + TxRequest.ID_OFFSET)),
                        Netif.NETIF_RSP_OKAY);
            }
            answered++;
        }
        if (answered > 0 && tx.pushResponsesAndCheckNotify()) {
            dom0.events().send(txPort);
        }
        return answered;
    }

    /**
     * Fills the next posted RX buffer with a frame of {@code size} bytes (at
     * most a page: one slot; the bytes are whatever the buffer holds),
     * unpublished until {@link #publishReceives()}.
     *
     * @return false when no buffer is posted
     */
    boolean fillReceive(int size) {
        if (rx.unconsumedRequests() == 0) {
            return false;
        }
        ByteBuffer page = rx.page();
        int at = rx.consumeRequestSlot();
        int id = Short.toUnsignedInt(page.getShort(at + RxRequest.ID_OFFSET));
        RxResponse.write(page, rx.claimResponseSlot(), id, 0, 0, size);
        return true;
    }

    /** Publishes the frames filled, notifying the frontend if it asked. */
    void publishReceives() throws HypervisorException {
        if (rx.pushResponsesAndCheckNotify()) {
            dom0.events().send(rxPort);
        }
    }

    /**
     * The backend lets go first, as netback does when the frontend closes, so
     * that the guest's close can revoke every grant at once; then the host
     * closes, and nothing may be left behind.
     */
    @Override
    public void close() throws Exception {
        txMapping.unmap();
        rxMapping.unmap();
        dom0.events().close(txPort);
        dom0.events().close(rxPort);
        setState(XenbusState.CLOSED);
        host.close();
        if (!host.leftovers().isEmpty()) {
            throw new IllegalStateException("the bench left behind: " + host.leftovers());
        }
    }
}
