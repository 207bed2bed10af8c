package org.xenpv.sim.netback;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.xenpv.abi.netif.ExtraInfo;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.netif.TxResponse;
import org.xenpv.abi.ring.BackRing;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantException;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.hypervisor.HypervisorException;

/**
 * One queue of the simulated netback: its two rings mapped from the
 * frontend, its event channel(s), and one thread that does its TX and RX
 * work, as netback's per-queue kernel threads do. Everything read from the
 * rings is copied once and checked as netback checks it; a request netback
 * would treat as fatal fails the whole vif.
 */
final class NetbackQueue implements AutoCloseable {
    /** netback's limit on the data slots of one packet (XEN_NETBK_LEGACY_SLOTS_MAX). */
    static final int MAX_SLOTS_PER_PACKET = Netif.XEN_NETIF_NR_SLOTS_MIN;
    private static final int PAGE = 4096;
    private static final int MAX_PENDING_RX = 1024;

    /** What the queue needs from its vif. */
    interface Vif {
        Domain dom0();

        Domain guest();

        /** Counters: frames from the guest, TX errors, frames to the guest, frames for the guest dropped. */
        AtomicLong[] counters();

        void transmit(SimFrame frame);

        /** A request broke netif's rules: the vif fails. */
        void fatal(String why);

        boolean frontendSg();

        boolean frontendGso(int gsoType);
    }

    private final Vif vif;
    private final int index;
    private final GrantMapping txMapping;
    private final GrantMapping rxMapping;
    private final BackRing tx;
    private final BackRing rx;
    private final int txPort;
    private final int rxPort;
    private final ExecutorService thread;
    private final AtomicBoolean txScheduled = new AtomicBoolean();
    private final AtomicBoolean rxScheduled = new AtomicBoolean();
    private final Deque<SimFrame> pendingRx = new ArrayDeque<>();
    private volatile boolean failed;

    /** The vif's counters: shared by its queues, so that a closing queue cannot lose a count. */
    private final AtomicLong txPackets;
    private final AtomicLong txErrors;
    private final AtomicLong rxPackets;
    private final AtomicLong rxDropped;

    /**
     * Maps the rings and binds the event channel(s) named by the frontend.
     *
     * @param rxEventPort the frontend's RX port, or the same as {@code txEventPort} when shared
     */
    NetbackQueue(Vif vif, int index, int txRingRef, int rxRingRef, int txEventPort, int rxEventPort)
            throws GrantException, HypervisorException {
        this.vif = vif;
        this.index = index;
        AtomicLong[] counters = vif.counters();
        this.txPackets = counters[0];
        this.txErrors = counters[1];
        this.rxPackets = counters[2];
        this.rxDropped = counters[3];
        this.thread = Executors.newSingleThreadExecutor(
                r -> new Thread(r, "xenpv-sim-netback-" + vif.guest().domid() + "-q" + index));
        Domain dom0 = vif.dom0();
        Domain guest = vif.guest();
        GrantMapping txMap = null;
        GrantMapping rxMap = null;
        int boundTx = 0;
        try {
            txMap = guest.grants().map(dom0, txRingRef, false);
            rxMap = guest.grants().map(dom0, rxRingRef, false);
            boolean shared = rxEventPort == txEventPort;
            // One channel for both directions: an event may mean either.
            boundTx = dom0.events().bindInterdomain(guest.domid(), txEventPort, shared ? port -> {
                scheduleTx();
                scheduleRx();
            } : port -> scheduleTx());
            this.rxPort = shared ? boundTx
                    : dom0.events().bindInterdomain(guest.domid(), rxEventPort, port -> scheduleRx());
        } catch (GrantException | HypervisorException | RuntimeException e) {
            closeQuietly(txMap, rxMap, boundTx);
            thread.shutdown();
            throw e;
        }
        this.txPort = boundTx;
        this.txMapping = txMap;
        this.rxMapping = rxMap;
        this.tx = BackRing.attach(txMap.page(), Netif.TX_RING);
        this.rx = BackRing.attach(rxMap.page(), Netif.RX_RING);
    }

    private void closeQuietly(GrantMapping a, GrantMapping b, int port) {
        if (a != null) {
            a.unmap();
        }
        if (b != null) {
            b.unmap();
        }
        if (port != 0) {
            try {
                vif.dom0().events().close(port);
            } catch (HypervisorException e) {
                // already closed
            }
        }
    }

    void scheduleTx() {
        if (!failed && txScheduled.compareAndSet(false, true)) {
            execute(() -> {
                txScheduled.set(false);
                processTx();
            });
        }
    }

    void scheduleRx() {
        if (!failed && rxScheduled.compareAndSet(false, true)) {
            execute(() -> {
                rxScheduled.set(false);
                processRx();
            });
        }
    }

    private void execute(Runnable work) {
        if (!thread.isShutdown()) {
            try {
                thread.execute(work);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    /** A frame from the switch for the frontend; dropped (and counted) when too many wait. */
    void deliver(SimFrame frame) {
        synchronized (pendingRx) {
            if (failed || pendingRx.size() >= MAX_PENDING_RX) {
                rxDropped.incrementAndGet();
                return;
            }
            pendingRx.add(frame);
        }
        scheduleRx();
    }

    private void fail(String why) {
        failed = true;
        vif.fatal("queue " + index + ": " + why);
    }

    // --- transmit: the frontend's packets to the switch ---

    private void processTx() {
        if (failed) {
            return;
        }
        ByteBuffer page = tx.page();
        do {
            int producer = tx.acquireRequestProducer();
            if (!tx.isPlausibleRequestProducer(producer)) {
                fail("TX request producer " + producer + " is more than a ring ahead of consumer "
                        + tx.requestConsumer());
                return;
            }
            boolean answered = false;
            while (tx.unconsumedRequests(producer) > 0) {
                if (!transmitOnePacket(page, producer)) {
                    return;
                }
                answered = true;
            }
            // Publish only what was answered: rewriting an unchanged producer is harmless for an honest ring,
            // but netback does not touch rsp_prod without responses.
            if (answered && tx.pushResponsesAndCheckNotify()) {
                notifyFrontend(txPort);
            }
        } while (tx.finalCheckForRequests());
    }

    /** Consumes one packet's slots; false when the vif failed. */
    private boolean transmitOnePacket(ByteBuffer page, int producer) {
        TxRequest first = TxRequest.read(page, tx.consumeRequestSlot());
        List<ExtraInfo> extras = new ArrayList<>();
        List<TxRequest> slots = new ArrayList<>();
        slots.add(first);
        boolean moreExtras = first.hasFlag(Netif.NETTXF_EXTRA_INFO);
        while (moreExtras) {
            if (tx.unconsumedRequests(producer) == 0) {
                fail("missing extra info slot");
                return false;
            }
            ExtraInfo extra = ExtraInfo.read(page, tx.consumeRequestSlot());
            if (extra.type() == Netif.XEN_NETIF_EXTRA_TYPE_NONE || extra.type() >= Netif.XEN_NETIF_EXTRA_TYPE_MAX) {
                fail("invalid extra type " + extra.type());
                return false;
            }
            extras.add(extra);
            moreExtras = extra.hasMore();
        }
        TxRequest last = first;
        while (last.hasFlag(Netif.NETTXF_MORE_DATA)) {
            if (slots.size() >= MAX_SLOTS_PER_PACKET) {
                fail("a packet asks for more than " + MAX_SLOTS_PER_PACKET + " slots");
                return false;
            }
            if (tx.unconsumedRequests(producer) == 0) {
                fail("a packet's slots were not all published");
                return false;
            }
            last = TxRequest.read(page, tx.consumeRequestSlot());
            slots.add(last);
        }
        // The first slot's size is the packet's; its own data is what the other slots leave.
        int rest = 0;
        for (int i = 1; i < slots.size(); i++) {
            rest += slots.get(i).size();
        }
        int firstLength = Math.max(0, first.size() - rest);
        for (TxRequest slot : slots) {
            if (slot.offset() + (slot == first ? firstLength : slot.size()) > PAGE) {
                fail("a slot crosses its page: offset " + slot.offset() + " size " + slot.size());
                return false;
            }
        }
        int status = Netif.NETIF_RSP_OKAY;
        byte[] frame = null;
        if (first.size() < rest || first.size() < 14) {
            status = Netif.NETIF_RSP_ERROR; // netback drops runts and inconsistent sizes without failing the vif
        } else {
            frame = new byte[first.size()];
            int at = 0;
            try {
                for (TxRequest slot : slots) {
                    int length = slot == first ? firstLength : slot.size();
                    vif.guest().grants().copyFromGrant(vif.dom0(), slot.gref(), slot.offset(),
                            ByteBuffer.wrap(frame, at, length), length);
                    at += length;
                }
            } catch (GrantException e) {
                status = Netif.NETIF_RSP_ERROR;
            }
        }
        respond(first.id(), status);
        for (int i = 0; i < extras.size(); i++) {
            respond(0, Netif.NETIF_RSP_NULL);
        }
        for (int i = 1; i < slots.size(); i++) {
            respond(slots.get(i).id(), status);
        }
        if (status != Netif.NETIF_RSP_OKAY) {
            txErrors.incrementAndGet();
            return true;
        }
        int gsoType = 0;
        int gsoSize = 0;
        for (ExtraInfo extra : extras) {
            if (extra.type() == Netif.XEN_NETIF_EXTRA_TYPE_GSO) {
                gsoType = extra.gsoType();
                gsoSize = extra.gsoSize();
                if (gsoSize == 0 || (gsoType != Netif.XEN_NETIF_GSO_TYPE_TCPV4
                        && gsoType != Netif.XEN_NETIF_GSO_TYPE_TCPV6)) {
                    fail("invalid GSO type " + gsoType + " or size " + gsoSize);
                    return false;
                }
            }
        }
        txPackets.incrementAndGet();
        vif.transmit(new SimFrame(frame, first.hasFlag(Netif.NETTXF_CSUM_BLANK),
                first.hasFlag(Netif.NETTXF_DATA_VALIDATED), gsoType, gsoSize));
        return true;
    }

    private void respond(int id, int status) {
        TxResponse.write(tx.page(), tx.claimResponseSlot(), id, status);
    }

    // --- receive: frames from the switch into the frontend's buffers ---

    private void processRx() {
        if (failed) {
            return;
        }
        boolean pushed = false;
        while (true) {
            SimFrame frame;
            synchronized (pendingRx) {
                frame = pendingRx.peek();
            }
            if (frame == null) {
                break;
            }
            int length = frame.data().length;
            int dataSlots = Math.max(1, (length + PAGE - 1) / PAGE);
            boolean gso = frame.gsoType() != 0 && vif.frontendGso(frame.gsoType());
            if ((dataSlots > 1 && !vif.frontendSg()) || (frame.gsoType() != 0 && !gso)
                    || dataSlots > MAX_SLOTS_PER_PACKET) {
                // The frontend cannot take it whole; Linux would segment it in software, the simulator drops it.
                dropPendingHead();
                continue;
            }
            int needed = dataSlots + (gso ? 1 : 0);
            int producer = rx.acquireRequestProducer();
            if (!rx.isPlausibleRequestProducer(producer)) {
                fail("RX request producer " + producer + " is more than a ring ahead");
                return;
            }
            if (rx.unconsumedRequests(producer) < needed) {
                if (pushed && rx.pushResponsesAndCheckNotify()) {
                    notifyFrontend(rxPort);
                }
                pushed = false;
                if (!rx.finalCheckForRequests(needed)) {
                    return; // the frontend notifies when it has posted enough buffers
                }
                continue;
            }
            synchronized (pendingRx) {
                pendingRx.poll();
            }
            if (!receiveOneFrame(frame, dataSlots, gso)) {
                return;
            }
            pushed = true;
        }
        if (pushed && rx.pushResponsesAndCheckNotify()) {
            notifyFrontend(rxPort);
        }
    }

    private void dropPendingHead() {
        synchronized (pendingRx) {
            pendingRx.poll();
        }
        rxDropped.incrementAndGet();
    }

    private boolean receiveOneFrame(SimFrame frame, int dataSlots, boolean gso) {
        ByteBuffer page = rx.page();
        byte[] data = frame.data();
        int at = 0;
        for (int i = 0; i < dataSlots; i++) {
            RxRequest request = RxRequest.read(page, rx.consumeRequestSlot());
            int chunk = Math.min(PAGE, data.length - at);
            int status = chunk;
            try {
                vif.guest().grants().copyToGrant(vif.dom0(), ByteBuffer.wrap(data, at, chunk), request.gref(), 0,
                        chunk);
            } catch (GrantException e) {
                status = Netif.NETIF_RSP_ERROR;
            }
            int flags = i < dataSlots - 1 ? Netif.NETRXF_MORE_DATA : 0;
            if (i == 0) {
                if (frame.checksumBlank()) {
                    flags |= Netif.NETRXF_CSUM_BLANK | Netif.NETRXF_DATA_VALIDATED;
                } else if (frame.dataValidated()) {
                    flags |= Netif.NETRXF_DATA_VALIDATED;
                }
                if (gso) {
                    flags |= Netif.NETRXF_EXTRA_INFO;
                }
            }
            RxResponse.write(page, rx.claimResponseSlot(), request.id(), 0, flags, status);
            if (i == 0 && gso) {
                RxRequest.read(page, rx.consumeRequestSlot());
                ExtraInfo.writeGso(page, rx.claimResponseSlot(), 0, frame.gsoSize(), frame.gsoType(), 0);
            }
            at += chunk;
        }
        rxPackets.incrementAndGet();
        return true;
    }

    private void notifyFrontend(int port) {
        try {
            vif.dom0().events().send(port);
        } catch (HypervisorException e) {
            // the frontend closed its end; the state machine is taking the vif down
        }
    }

    int pendingRxFrames() {
        synchronized (pendingRx) {
            return pendingRx.size();
        }
    }

    /** Whether its thread has ended (after {@link #close}; it is given a bounded time). */
    boolean isStopped() {
        return thread.isTerminated();
    }

    @Override
    public void close() {
        failed = true;
        synchronized (pendingRx) {
            rxDropped.addAndGet(pendingRx.size());
            pendingRx.clear();
        }
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(txMapping, rxMapping, txPort);
        if (rxPort != txPort) {
            closeQuietly(null, null, rxPort);
        }
    }
}
