package org.xenpv.netfront.internal;

import java.nio.ByteBuffer;

import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.netif.TxResponse;
import org.xenpv.abi.ring.BackRing;
import org.xenpv.evtchn.internal.BundleEventChannels;
import org.xenpv.evtchn.internal.EventDispatcher;
import org.xenpv.gnttab.internal.BundleGrantTable;
import org.xenpv.gnttab.internal.GrantLedger;
import org.xenpv.net.Offload;
import org.xenpv.platform.spi.PortException;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorException;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.ports.SimDevicePorts;

/**
 * One netfront queue with the least backend that can answer it, so that the
 * driver's own cost is seen apart from the simulated netback's: the real
 * grant table, event channels and dispatcher of a simulated guest, and in
 * dom0 a backend that maps the two rings and answers every request without
 * copying a byte. Its two halves are driven by whoever measures: {@link
 * #answerTransmits()} completes every TX request published so far, {@link
 * #fillReceives(int)} turns posted RX buffers into received frames.
 */
final class NetfrontAlone implements AutoCloseable {
    private final Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(32768, 4096));
    private final Domain dom0;
    private final Domain guest;
    private final SimDevicePorts ports;
    private final BundleGrantTable grants;
    private final EventDispatcher dispatcher;
    private final BundleEventChannels events;
    final NetfrontQueue queue;
    final QueueCounters counters = new QueueCounters();
    private final GrantMapping txMapping;
    private final GrantMapping rxMapping;
    private final BackRing tx;
    private final BackRing rx;
    private final int txPort;
    private final int rxPort;
    /** Frames the queue handed to its owner; one writer (the queue's thread). */
    private volatile long delivered;

    NetfrontAlone() throws Exception {
        dom0 = hypervisor.createDomain(0, "Domain-0");
        guest = hypervisor.createDomain(1, "guest1");
        ports = new SimDevicePorts(guest, d -> {
            throw new PortException("xenbus", "open", org.xenpv.platform.spi.Errno.ENOENT,
                    "the netfront-alone bench has no XenStore");
        });
        grants = BundleGrantTable.forPort(ports.openGrantAllocPort(), new GrantLedger(), "bench");
        dispatcher = EventDispatcher.forPort(ports.openEventChannelPort());
        events = new BundleEventChannels(dispatcher);
        Negotiated agreed = new Negotiated(true, true, true, true, true, 1, true);
        queue = new NetfrontQueue(0, "xenpv-netfront-bench-q0", 0, grants, events, agreed, 256, 256, counters,
                new NetfrontQueue.Owner() {
                    @Override
                    public void broken(String reason) {
                        throw new IllegalStateException("the bench backend broke the protocol: " + reason);
                    }

                    @Override
                    public void received(int index, ByteBuffer frame, Offload offload) {
                        delivered = delivered + 1;
                    }
                });
        txMapping = guest.grants().map(dom0, queue.txRingRef(), false);
        rxMapping = guest.grants().map(dom0, queue.rxRingRef(), false);
        tx = BackRing.attach(txMapping.page(), Netif.TX_RING);
        rx = BackRing.attach(rxMapping.page(), Netif.RX_RING);
        // Nothing to do on the frontend's events: the measuring thread looks at the rings itself.
        txPort = dom0.events().bindInterdomain(1, queue.txEventPort(), port -> { });
        rxPort = dom0.events().bindInterdomain(1, queue.rxEventPort(), port -> { });
        queue.start();
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

    @Override
    public void close() throws Exception {
        // The backend lets go first, so that the queue's grants can all be revoked.
        txMapping.unmap();
        rxMapping.unmap();
        dom0.events().close(txPort);
        dom0.events().close(rxPort);
        if (!queue.release()) {
            throw new IllegalStateException("a ring grant could not be revoked");
        }
        events.deactivate();
        dispatcher.deactivate();
        grants.deactivate();
        ports.closeAll();
    }
}
