package org.xenpv.sim.netback;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.xenpv.abi.grant.GrantStatus;
import org.xenpv.abi.netif.ExtraInfo;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.NetifPacketReader;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.netif.TxResponse;
import org.xenpv.abi.ring.BackRing;
import org.xenpv.abi.ring.SharedRingDescriptor;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantCopyBatch;
import org.xenpv.sim.hypervisor.GrantException;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.hypervisor.HypervisorException;

/**
 * One queue of the simulated netback: its two rings mapped from the
 * frontend, its event channel(s), and one thread that does its TX and RX
 * work, as netback's per-queue kernel threads do. Everything read from the
 * rings is copied once and checked as netback checks it; a request netback
 * would treat as fatal fails the whole vif.
 *
 * <p>An event only sets a flag and unparks the thread: no task object per
 * event. Ring entries are read into primitives; a frame taken from the guest
 * is copied into a buffer of the queue's {@link SimFrame.Pool}, which comes
 * back once every receiving queue has copied it out: nothing is allocated
 * per frame once the pool holds what is in flight.
 */
final class NetbackQueue implements AutoCloseable {
    /** netback's limit on the data slots of one packet (XEN_NETBK_LEGACY_SLOTS_MAX). */
    static final int MAX_SLOTS_PER_PACKET = Netif.XEN_NETIF_NR_SLOTS_MIN;
    /** An extra-info type beyond those netif.h defines. */
    private static final int UNKNOWN_EXTRA_TYPE = 9;
    /** How often {@link NetbackFault#RX_REWRITTEN_AFTER_PUBLISH} rewrites its slot (even: it ends honest). */
    private static final int REWRITES = 20_000;

    private static final int PAGE = 4096;
    /**
     * Bytes of frames waiting for the frontend's buffers before the queue
     * counts as full: Linux netback's rx_queue_max (XENVIF_RX_QUEUE_BYTES,
     * half the RX ring's pages), past which xenvif_rx_queue_tail stops the
     * device's transmit queue.
     */
    static final int RX_QUEUE_BYTES = SharedRingDescriptor.capacity(Netif.RX_RING) / 2 * PAGE;
    /**
     * Frames a full queue still takes: what the stopped device's qdisc holds
     * in Linux (a vif's txqueuelen, 1000) before it drops. A frame is dropped,
     * and counted, only past both bounds; a ring momentarily out of buffers
     * drops nothing.
     */
    static final int RX_QUEUE_OVERFLOW_FRAMES = 1000;
    /**
     * How long the queue's thread keeps looking for work before it parks:
     * an event or a frame within that time costs no wake-up. None by
     * default: on the 2-core build machine a polling backend took the CPU the
     * guests' threads needed (the 64-byte round trip about 150 us without,
     * 190 us with 20 us of polling; throughput the same within its noise).
     */
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(Long.getLong("xenpv.sim.netbackPollMicros", 0));
    /** Packets copied from the guest's grants in one grant copy, as netback batches its copy operations. */
    static final int TX_BATCH = 64;
    /** Frames copied into the guest's buffers in one grant copy. */
    static final int RX_BATCH = 64;
    /** Receiving queues one TX batch may hand frames to before the rest are woken instead. */
    private static final int MAX_RECEIVERS = 16;
    /** The queue whose thread this is, so that a frame it sends over the switch knows where it comes from. */
    private static final ThreadLocal<NetbackQueue> SENDING = new ThreadLocal<>();

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
    /** The frontend's port for RX events, to see when it has taken one. */
    private final int frontendRxPort;
    private final Thread thread;
    private volatile boolean running = true;
    private final AtomicBoolean txScheduled = new AtomicBoolean();
    private final AtomicBoolean rxScheduled = new AtomicBoolean();
    /** Set by the queue's thread before it parks: an event or frame unparks it only then. */
    private volatile boolean parked;
    /**
     * Whoever writes the RX ring holds this: the queue's own thread, or the
     * thread of a sending queue that copies its frames in at the end of its
     * batch, as the queue's thread would, without waking it.
     */
    private final AtomicBoolean rxBusy = new AtomicBoolean();
    /** Queues this one's thread has sent frames to in its current TX batch (its thread only). */
    private final NetbackQueue[] receivers = new NetbackQueue[MAX_RECEIVERS];
    private int receiverCount;
    // One TX packet's data slots, read once from the ring.
    /** Reads each packet's requests once; extra info of every type, chained as netback takes it. */
    private final NetifPacketReader packets = new NetifPacketReader(NetifPacketReader.Ring.TX_REQUESTS,
            MAX_SLOTS_PER_PACKET, Netif.TX_RING_SIZE);
    private final int[] slotGref = new int[MAX_SLOTS_PER_PACKET];
    private final int[] slotOffset = new int[MAX_SLOTS_PER_PACKET];
    private final int[] slotSize = new int[MAX_SLOTS_PER_PACKET];
    private final int[] slotId = new int[MAX_SLOTS_PER_PACKET];
    // The TX batch (the queue's thread only): packets read from the ring, copied out and answered together.
    private final GrantCopyBatch txCopies = new GrantCopyBatch(TX_BATCH + MAX_SLOTS_PER_PACKET, false);
    private final SimFrame[] txFrames = new SimFrame[TX_BATCH];
    private final int[] txFirstFlags = new int[TX_BATCH];
    private final int[] txExtras = new int[TX_BATCH];
    private final boolean[] txGsoExtra = new boolean[TX_BATCH];
    private final int[] txGsoType = new int[TX_BATCH];
    private final int[] txGsoSize = new int[TX_BATCH];
    private final int[] txSlots = new int[TX_BATCH];
    private final int[] txIdsFrom = new int[TX_BATCH];
    private final int[] txCopiesFrom = new int[TX_BATCH];
    private final int[] txCopiesTo = new int[TX_BATCH];
    /** The request ids of the batch's data slots, packet after packet. */
    private final int[] txIds = new int[TX_BATCH * 2 + MAX_SLOTS_PER_PACKET];
    private int txBatchPackets;
    private int txBatchIds;
    // The RX batch (whoever holds the RX side): frames whose copies into the guest's buffers go together.
    private final GrantCopyBatch rxCopies = new GrantCopyBatch(RX_BATCH + MAX_SLOTS_PER_PACKET, true);
    private final SimFrame[] rxFrames = new SimFrame[RX_BATCH];
    /** Whether the batch holds its frame's reference (false when a stop let go of it meanwhile). */
    private final boolean[] rxFrameHeld = new boolean[RX_BATCH];
    private final int[] rxResponseAt = new int[RX_BATCH + MAX_SLOTS_PER_PACKET];
    private final int[] rxResponseId = new int[RX_BATCH + MAX_SLOTS_PER_PACKET];
    private final int[] rxResponseFlags = new int[RX_BATCH + MAX_SLOTS_PER_PACKET];
    private final int[] rxChunk = new int[RX_BATCH + MAX_SLOTS_PER_PACKET];
    private int rxBatchFrames;
    /** What the last {@link #takePendingHead} did (whoever holds the RX side). */
    private boolean taken;
    private final Deque<SimFrame> pendingRx = new ArrayDeque<>();
    /** The bytes of the frames in {@link #pendingRx} (under its lock). */
    private long pendingRxBytes;
    /** Frames queued while {@link #RX_QUEUE_BYTES} already waited (under its lock): the qdisc's share. */
    private int pendingRxOverflow;
    /** The frames this queue takes from its guest (its thread only). */
    private final SimFrame.Pool framePool = new SimFrame.Pool();
    private volatile boolean failed;
    // The request producers as last read (the queue's thread only): an honest frontend never moves one back.
    private int lastTxRequestProducer;
    private int lastRxRequestProducer;
    /** A fault to write on the queue's thread at its next turn, then cleared (TX ones wait for a packet). */
    private final AtomicReference<NetbackFault> fault = new AtomicReference<>();
    /** The TX fault waiting for the frontend's next packet(s) (the queue's thread only). */
    private NetbackFault txFault;
    /** The RX fault waiting for buffers to write into (the queue's thread only). */
    private NetbackFault rxFault;
    /** The id of the previous TX packet of this pass, for {@link NetbackFault#TX_DUPLICATE_ID}; -1 for none. */
    private int previousTxId = -1;
    private volatile EventStorm storm;
    /** Events sent by the storms that ended. */
    private final AtomicLong stormEventsEnded = new AtomicLong();
    private final AtomicLong faultsWritten = new AtomicLong();

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
        this.frontendRxPort = rxEventPort;
        AtomicLong[] counters = vif.counters();
        this.txPackets = counters[0];
        this.txErrors = counters[1];
        this.rxPackets = counters[2];
        this.rxDropped = counters[3];
        this.thread = new Thread(this::work, "xenpv-sim-netback-" + vif.guest().domid() + "-q" + index);
        thread.setDaemon(true);
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
            throw e;
        }
        this.txPort = boundTx;
        this.txMapping = txMap;
        this.rxMapping = rxMap;
        this.tx = BackRing.attach(txMap.page(), Netif.TX_RING);
        this.rx = BackRing.attach(rxMap.page(), Netif.RX_RING);
        thread.start();
    }

    /**
     * The queue's thread: TX work, then RX work, as their events asked; it
     * polls for {@link #POLL_NANOS} after its last work (looking at the TX
     * ring itself, whose event is armed only when the thread parks), then
     * parks.
     */
    private void work() {
        SENDING.set(this);
        long lastWork = System.nanoTime();
        while (running) {
            boolean txAsked = txScheduled.getAndSet(false);
            // Read after the flag: a fault injected before the event that set it is armed before the requests
            // that event announced are answered, however the thread's turn falls.
            NetbackFault injected = fault.getAndSet(null);
            if (injected != null || (rxFault != null && !failed)) {
                lockRx(); // a fault may write the RX ring
                try {
                    if (injected != null) {
                        write(injected);
                    }
                    if (rxFault != null && !failed && forgeRx(rxFault)) {
                        rxFault = null;
                    }
                } finally {
                    rxBusy.set(false);
                }
            }
            boolean worked = false;
            if (txAsked) {
                processTx();
                runReceivers(); // those of a pass that ended early (the vif failed)
                worked = true;
            }
            worked |= drainRx();
            if (worked) {
                lastWork = System.nanoTime();
            } else if (System.nanoTime() - lastWork < POLL_NANOS) {
                // The TX event is not armed while polling: the ring itself says when requests come.
                if (!failed && tx.unconsumedRequests() != 0) {
                    txScheduled.set(true);
                } else {
                    Thread.onSpinWait();
                }
            } else {
                parked = true;
                // Checked after the flag is up: a scheduler sets its flag first and then looks for it.
                if (running && !txScheduled.get() && !rxScheduled.get() && fault.get() == null
                        && !txRequestsBeforeParking()) {
                    LockSupport.park(this);
                }
                parked = false;
            }
        }
    }

    /**
     * Runs the RX work asked for on this thread, unless another thread holds
     * the RX side: that one then sees the request when it lets go.
     *
     * @return whether it ran any
     */
    private boolean drainRx() {
        boolean ran = false;
        while (rxScheduled.get()) {
            if (!rxBusy.compareAndSet(false, true)) {
                return ran;
            }
            try {
                if (rxScheduled.getAndSet(false)) {
                    processRx();
                    ran = true;
                }
            } finally {
                rxBusy.set(false);
            }
        }
        return ran;
    }

    /** Takes the RX side, waiting for a sending queue's thread that holds it to finish its pass. */
    private void lockRx() {
        while (!rxBusy.compareAndSet(false, true)) {
            Thread.onSpinWait();
        }
    }

    /** At the end of a TX batch: the receiving queues copy what this thread sent them, here. */
    private void runReceivers() {
        for (int i = 0; i < receiverCount; i++) {
            receivers[i].drainRx();
            receivers[i] = null;
        }
        receiverCount = 0;
    }

    /** Notes {@code receiver} for {@link #runReceivers}; false when the batch has too many already. */
    private boolean deferTo(NetbackQueue receiver) {
        for (int i = 0; i < receiverCount; i++) {
            if (receivers[i] == receiver) {
                return true;
            }
        }
        if (receiverCount == MAX_RECEIVERS) {
            return false;
        }
        receivers[receiverCount++] = receiver;
        return true;
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
        if (!failed && !txScheduled.getAndSet(true) && parked) {
            LockSupport.unpark(thread);
        }
    }

    void scheduleRx() {
        if (!failed && !rxScheduled.getAndSet(true) && parked) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * A frame from the switch for the frontend: queued (this queue holds it
     * until copied or dropped), or dropped and counted when the queue is
     * failed or full ({@link #RX_QUEUE_BYTES} and {@link #RX_QUEUE_OVERFLOW_FRAMES}).
     */
    void deliver(SimFrame frame) {
        synchronized (pendingRx) {
            if (failed) {
                rxDropped.incrementAndGet();
                return;
            }
            if (pendingRxBytes >= RX_QUEUE_BYTES) {
                if (pendingRxOverflow >= RX_QUEUE_OVERFLOW_FRAMES) {
                    rxDropped.incrementAndGet();
                    return;
                }
                pendingRxOverflow++;
            }
            frame.retain();
            pendingRx.add(frame);
            pendingRxBytes += frame.length();
        }
        NetbackQueue sender = SENDING.get();
        if (sender != null && sender != this && !failed && sender.deferTo(this)) {
            // Copied in by the sending queue's thread at the end of its batch: a netback thread on another
            // CPU of a real dom0 would take it at once; here that wake-up costs more than the copy. Written only
            // when clear: a set flag is cleared only before the frames are looked at, so it covers this one.
            if (!rxScheduled.get()) {
                rxScheduled.set(true);
            }
        } else {
            scheduleRx();
        }
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
        boolean promised = false;
        do {
            int producer = tx.acquireRequestProducer();
            if (!tx.isPlausibleRequestProducer(producer)) {
                fail("TX request producer " + producer + " is more than a ring ahead of consumer "
                        + tx.requestConsumer());
                return;
            }
            // The final check saw requests that are gone now, or the producer is behind one read before: a
            // frontend that moves it back and forth would otherwise keep this thread going round for nothing.
            if (producer - lastTxRequestProducer < 0 || (promised && tx.unconsumedRequests(producer) == 0)) {
                fail("TX request producer went backwards to " + producer);
                return;
            }
            lastTxRequestProducer = producer;
            promised = true;
            boolean answered = false;
            previousTxId = -1;
            while (tx.unconsumedRequests(producer) > 0) {
                if (!transmitOnePacket(producer)) {
                    return;
                }
                answered = true;
            }
            if (!flushTx()) {
                return;
            }
            // Publish only what was answered: rewriting an unchanged producer is harmless for an honest ring,
            // but netback does not touch rsp_prod without responses.
            if (answered && tx.pushResponsesAndCheckNotify()) {
                notifyFrontend(txPort);
            }
            runReceivers();
            // No event asked for here: the thread looks at the ring while it polls and asks for one only
            // before it parks (txRequestsBeforeParking), so requests pushed meanwhile cost the frontend no event.
        } while (tx.unconsumedRequests() != 0);
    }

    /**
     * Before the thread parks: asks the frontend for an event at its next
     * TX request, then looks once more (RING_FINAL_CHECK_FOR_REQUESTS, as
     * netback does when its NAPI poll completes). A request pushed before the
     * ask is found by that look; one pushed after it sees the ask and sends
     * the event.
     *
     * @return whether requests wait (TX work is scheduled instead of parking)
     */
    private boolean txRequestsBeforeParking() {
        if (failed || !tx.finalCheckForRequests()) {
            return false;
        }
        txScheduled.set(true);
        return true;
    }

    /**
     * Consumes one packet's slots and adds it to the TX batch (its copies to
     * {@link #txCopies}), flushing the batch first when it is full; false when
     * the vif failed (the packets before it are flushed first, as they were
     * answered before the bad one).
     */
    private boolean transmitOnePacket(int producer) {
        NetifPacketReader.Verdict verdict = packets.read(tx, tx.requestConsumer(), producer);
        if (verdict == NetifPacketReader.Verdict.INCOMPLETE) {
            return failTx("a packet's slots were not all published");
        }
        if (verdict == NetifPacketReader.Verdict.VIOLATION) {
            return failTx(packets.violation());
        }
        for (int i = packets.ringSlots(); i > 0; i--) {
            tx.consumeRequestSlot();
        }
        int slots = packets.dataSlots();
        for (int i = 0; i < slots; i++) {
            slotGref[i] = packets.gref(i);
            slotOffset[i] = packets.offset(i);
            slotId[i] = packets.id(i);
            slotSize[i] = packets.sizeOrStatus(i);
        }
        int firstFlags = packets.flags(0);
        int extras = packets.extras();
        boolean gsoExtra = packets.gsoType() != NetifPacketReader.NO_GSO;
        int gsoType = gsoExtra ? packets.gsoType() : 0;
        int gsoSize = packets.gsoSize();
        // The first slot's size is the packet's; its own data is what the other slots leave.
        int rest = 0;
        for (int i = 1; i < slots; i++) {
            rest += slotSize[i];
        }
        int packetSize = slotSize[0];
        int firstLength = Math.max(0, packetSize - rest);
        for (int i = 0; i < slots; i++) {
            if (slotOffset[i] + (i == 0 ? firstLength : slotSize[i]) > PAGE) {
                return failTx("a slot crosses its page: offset " + slotOffset[i] + " size " + slotSize[i]);
            }
        }
        if ((txBatchPackets == TX_BATCH || txCopies.size() + slots > txCopies.capacity()
                || txBatchIds + slots > txIds.length) && !flushTx()) {
            return false; // a packet of the full batch failed the vif: this one is not answered
        }
        int p = txBatchPackets++;
        txFirstFlags[p] = firstFlags;
        txExtras[p] = extras;
        txGsoExtra[p] = gsoExtra;
        txGsoType[p] = gsoType;
        txGsoSize[p] = gsoSize;
        txSlots[p] = slots;
        txIdsFrom[p] = txBatchIds;
        for (int i = 0; i < slots; i++) {
            txIds[txBatchIds++] = slotId[i];
        }
        txCopiesFrom[p] = txCopies.size();
        if (packetSize < rest || packetSize < 14) {
            txFrames[p] = null; // netback drops runts and inconsistent sizes without failing the vif
        } else {
            SimFrame frame = framePool.take(packetSize);
            txFrames[p] = frame;
            byte[] into = frame.data();
            int filled = 0;
            for (int i = 0; i < slots; i++) {
                int length = i == 0 ? firstLength : slotSize[i];
                txCopies.add(slotGref[i], slotOffset[i], into, filled, length);
                filled += length;
            }
        }
        txCopiesTo[p] = txCopies.size();
        return true;
    }

    /** Flushes the packets before a fatal one, then fails the vif; always false. */
    private boolean failTx(String why) {
        flushTx();
        if (!failed) {
            fail(why);
        }
        return false;
    }

    /**
     * Copies the batch's packets out of the guest's grants in one grant copy
     * (as netback's one GNTTABOP_copy per batch), answers them in ring order
     * and hands those copied whole to the switch.
     *
     * @return false when a packet's GSO info failed the vif (the rest of the batch is let go)
     */
    private boolean flushTx() {
        int packets = txBatchPackets;
        if (packets == 0) {
            return !failed;
        }
        if (txCopies.size() > 0) {
            vif.guest().grants().copy(vif.dom0(), txCopies);
        }
        int sent = 0;
        int errors = 0;
        boolean ok = true;
        for (int p = 0; p < packets; p++) {
            SimFrame frame = txFrames[p];
            txFrames[p] = null;
            if (!ok) {
                if (frame != null) {
                    frame.release();
                }
                continue;
            }
            int status = frame == null ? Netif.NETIF_RSP_ERROR : Netif.NETIF_RSP_OKAY;
            for (int c = txCopiesFrom[p]; c < txCopiesTo[p] && status == Netif.NETIF_RSP_OKAY; c++) {
                if (txCopies.status(c) != GrantStatus.OKAY) {
                    status = Netif.NETIF_RSP_ERROR;
                }
            }
            int ids = txIdsFrom[p];
            respond(answerId(txIds[ids]), answerStatus(status));
            for (int i = 0; i < txExtras[p]; i++) {
                respond(0, Netif.NETIF_RSP_NULL);
            }
            for (int i = 1; i < txSlots[p]; i++) {
                respond(txIds[ids + i], status);
            }
            if (status != Netif.NETIF_RSP_OKAY) {
                if (frame != null) {
                    frame.release();
                }
                errors++;
                continue;
            }
            int gsoType = txGsoType[p];
            int gsoSize = txGsoSize[p];
            if (txGsoExtra[p] && (gsoSize == 0 || (gsoType != Netif.XEN_NETIF_GSO_TYPE_TCPV4
                    && gsoType != Netif.XEN_NETIF_GSO_TYPE_TCPV6))) {
                frame.release();
                fail("invalid GSO type " + gsoType + " or size " + gsoSize);
                ok = false;
                continue;
            }
            sent++;
            int firstFlags = txFirstFlags[p];
            frame.offload((firstFlags & Netif.NETTXF_CSUM_BLANK) != 0,
                    (firstFlags & Netif.NETTXF_DATA_VALIDATED) != 0, gsoType, gsoSize);
            try {
                vif.transmit(frame);
            } finally {
                frame.release(); // those that queued it hold it now
            }
        }
        txCopies.clear();
        txBatchPackets = 0;
        txBatchIds = 0;
        // Counted per batch: the vif's counters are shared by its queues (and read by the toolstack).
        if (sent > 0) {
            txPackets.addAndGet(sent);
        }
        if (errors > 0) {
            txErrors.addAndGet(errors);
        }
        return ok;
    }

    /** The id to answer a packet's first slot with: its own, unless a TX fault lies about it. */
    private int answerId(int id) {
        int previous = previousTxId;
        previousTxId = id;
        if (txFault == NetbackFault.TX_BAD_ID) {
            takeTxFault();
            return 0xffff; // beyond any TX ring's ids
        }
        if (txFault == NetbackFault.TX_DUPLICATE_ID && previous >= 0) {
            takeTxFault();
            return previous;
        }
        return id;
    }

    /** The status to answer a packet's first slot with: its own, unless a TX fault lies about it. */
    private int answerStatus(int status) {
        if (txFault == NetbackFault.TX_NULL_RESPONSE) {
            takeTxFault();
            return Netif.NETIF_RSP_NULL;
        }
        if (txFault == NetbackFault.TX_STATUS_OUT_OF_RANGE) {
            takeTxFault();
            return 77; // none of OKAY, ERROR, DROPPED, NULL
        }
        return status;
    }

    /** Clears the waiting TX fault as written. */
    private void takeTxFault() {
        txFault = null;
        faultsWritten.incrementAndGet();
    }

    private void respond(int id, int status) {
        TxResponse.write(tx.page(), tx.claimResponseSlot(), id, status);
    }

    // --- receive: frames from the switch into the frontend's buffers ---

    /**
     * Copies waiting frames into the frontend's posted buffers, in batches of
     * up to {@link #RX_BATCH} frames whose copies go in one grant copy (as
     * netback's xenvif_rx_copy_flush), answered once copied; the responses
     * are pushed, and the frontend notified if it asked, when the queue is
     * empty or the ring out of buffers.
     */
    private void processRx() {
        if (failed) {
            return;
        }
        boolean pushed = false;
        boolean promised = false;
        SimFrame frame;
        synchronized (pendingRx) {
            frame = pendingRx.peek();
        }
        while (frame != null) {
            int length = frame.length();
            int dataSlots = Math.max(1, (length + PAGE - 1) / PAGE);
            boolean gso = frame.gsoType() != 0 && vif.frontendGso(frame.gsoType());
            if ((dataSlots > 1 && !vif.frontendSg()) || (frame.gsoType() != 0 && !gso)
                    || dataSlots > MAX_SLOTS_PER_PACKET) {
                // The frontend cannot take it whole; Linux would segment it in software, the simulator drops it.
                SimFrame dropped = frame;
                frame = takePendingHead(dropped);
                if (taken) {
                    dropped.release();
                }
                rxDropped.incrementAndGet();
                continue;
            }
            int needed = dataSlots + (gso ? 1 : 0);
            // Read per frame, as Linux's xenvif_rx_ring_slots_available does: a producer the frontend moved back
            // is seen at the next frame.
            int producer = rx.acquireRequestProducer();
            if (!rx.isPlausibleRequestProducer(producer)) {
                flushRx();
                fail("RX request producer " + producer + " is more than a ring ahead");
                return;
            }
            // As for TX: requests the final check saw must still be there, and the producer never goes back.
            if (producer - lastRxRequestProducer < 0 || (promised && rx.unconsumedRequests(producer) < needed)) {
                flushRx();
                fail("RX request producer went backwards to " + producer);
                return;
            }
            lastRxRequestProducer = producer;
            promised = false;
            if (rx.unconsumedRequests(producer) < needed) {
                flushRx();
                if (pushed && rx.pushResponsesAndCheckNotify()) {
                    notifyFrontend(rxPort);
                }
                pushed = false;
                if (!rx.finalCheckForRequests(needed)) {
                    return; // the frontend notifies when it has posted enough buffers
                }
                promised = true;
                continue;
            }
            if (rxBatchFrames == RX_BATCH || rxCopies.size() + dataSlots > rxCopies.capacity()) {
                flushRx();
            }
            gatherRxFrame(frame, dataSlots, gso);
            pushed = true;
            frame = takePendingHead(frame);
            rxFrameHeld[rxBatchFrames - 1] = taken;
        }
        flushRx();
        if (pushed && rx.pushResponsesAndCheckNotify()) {
            notifyFrontend(rxPort);
        }
    }

    /**
     * Takes the head of {@link #pendingRx}, which the caller peeked; sets
     * {@link #taken} to whether the caller now holds it (false when the queue
     * stopped and let go of it meanwhile).
     *
     * @return the next head, or null
     */
    private SimFrame takePendingHead(SimFrame frame) {
        synchronized (pendingRx) {
            if (pendingRx.peek() != frame) {
                taken = false;
                return null;
            }
            pendingRx.poll();
            pendingRxBytes -= frame.length();
            if (pendingRxOverflow > 0) {
                pendingRxOverflow--; // as the qdisc hands a frame on once the device takes one
            }
            taken = true;
            return pendingRx.peek();
        }
    }

    /** Consumes one frame's buffers, claims its responses and adds its copies to the RX batch. */
    private void gatherRxFrame(SimFrame frame, int dataSlots, boolean gso) {
        ByteBuffer page = rx.page();
        byte[] data = frame.data();
        int length = frame.length();
        int at = 0;
        for (int i = 0; i < dataSlots; i++) {
            int requestAt = rx.consumeRequestSlot();
            int id = Short.toUnsignedInt(page.getShort(requestAt + RxRequest.ID_OFFSET));
            int gref = page.getInt(requestAt + RxRequest.GREF_OFFSET);
            int chunk = Math.min(PAGE, length - at);
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
            int copy = rxCopies.add(gref, 0, data, at, chunk);
            rxResponseAt[copy] = rx.claimResponseSlot();
            rxResponseId[copy] = id;
            rxResponseFlags[copy] = flags;
            rxChunk[copy] = chunk;
            if (i == 0 && gso) {
                rx.consumeRequestSlot(); // the extra info's slot: its buffer is not used
                ExtraInfo.writeGso(page, rx.claimResponseSlot(), 0, frame.gsoSize(), frame.gsoType(), 0);
            }
            at += chunk;
        }
        rxFrames[rxBatchFrames++] = frame;
    }

    /** Copies the RX batch into the guest's buffers in one grant copy, writes its responses, lets go of its frames. */
    private void flushRx() {
        int frames = rxBatchFrames;
        if (frames == 0) {
            return;
        }
        vif.guest().grants().copy(vif.dom0(), rxCopies);
        ByteBuffer page = rx.page();
        for (int c = 0; c < rxCopies.size(); c++) {
            int status = rxCopies.status(c) == GrantStatus.OKAY ? rxChunk[c] : Netif.NETIF_RSP_ERROR;
            RxResponse.write(page, rxResponseAt[c], rxResponseId[c], 0, rxResponseFlags[c], status);
        }
        for (int i = 0; i < frames; i++) {
            if (rxFrameHeld[i]) {
                rxFrames[i].release();
            }
            rxFrames[i] = null;
        }
        rxCopies.clear();
        rxBatchFrames = 0;
        rxPackets.addAndGet(frames);
    }

    // --- faults: what a lying backend writes ---

    /** Arms {@code injected}: it is written on the queue's thread, as netback's own responses are. */
    void inject(NetbackFault injected) {
        if (injected == NetbackFault.EVENT_STORM) {
            startStorm();
            return;
        }
        fault.set(injected);
        LockSupport.unpark(thread);
    }

    /** Ends an event storm. */
    void calm() {
        EventStorm ending;
        synchronized (this) {
            ending = storm;
            storm = null;
        }
        if (ending != null) {
            ending.stop();
            stormEventsEnded.addAndGet(ending.events());
        }
    }

    private synchronized void startStorm() {
        if (storm != null || failed) {
            return;
        }
        int[] ports = rxPort != txPort ? new int[] {txPort, rxPort} : new int[] {txPort};
        storm = EventStorm.start(vif.dom0(), "xenpv-sim-storm-" + vif.guest().domid() + "-q" + index, ports);
    }

    /** Events the storms sent. */
    long stormEvents() {
        EventStorm current = storm;
        return stormEventsEnded.get() + (current == null ? 0 : current.events());
    }

    /** Faults written into the rings so far. */
    long faultsWritten() {
        return faultsWritten.get();
    }

    private void write(NetbackFault injected) {
        if (failed) {
            return;
        }
        switch (injected) {
            case TX_BAD_ID, TX_DUPLICATE_ID, TX_NULL_RESPONSE, TX_STATUS_OUT_OF_RANGE -> {
                txFault = injected;
                return;
            }
            case RX_PRODUCER_AHEAD -> forgeProducer(rx, rx.responseProducerPrivate() + 5000, rxPort);
            case TX_PRODUCER_AHEAD -> forgeProducer(tx, tx.responseProducerPrivate() + 5000, txPort);
            case TX_PRODUCER_BACKWARDS -> forgeProducer(tx, tx.responseProducerPrivate() - 1, txPort);
            default -> rxFault = injected; // written at once, or when the frontend has posted buffers
        }
    }

    /** Waits (bounded) until the frontend's RX port is re-armed, that is its handler has run for our event. */
    private void awaitEventTaken() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (vif.guest().events().isMasked(frontendRxPort) && System.nanoTime() < deadline && !failed) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
    }

    private void forgeProducer(BackRing ring, int producer, int port) {
        // Counted before the frontend can see it, so that a test that saw the device fail sees the count.
        faultsWritten.incrementAndGet();
        ring.page().putInt(SharedRingDescriptor.RSP_PROD_OFFSET, producer);
        notifyFrontend(port);
    }

    /** Writes an RX lie into buffers the frontend posted; false when it has posted none. */
    private boolean forgeRx(NetbackFault injected) {
        ByteBuffer page = rx.page();
        int producer = rx.acquireRequestProducer();
        if (!rx.isPlausibleRequestProducer(producer) || rx.unconsumedRequests(producer) < 2) {
            return false;
        }
        int mask = rx.capacity() - 1;
        int requestAt = rx.consumeRequestSlot();
        int id = Short.toUnsignedInt(page.getShort(requestAt + RxRequest.ID_OFFSET));
        switch (injected) {
            case RX_TRUNCATED_PACKET ->
                RxResponse.write(page, rx.claimResponseSlot(), id, 0, Netif.NETRXF_MORE_DATA, 60);
            case RX_BAD_ID -> RxResponse.write(page, rx.claimResponseSlot(), (id + 9) & mask, 0, 0, 60);
            case RX_OUT_OF_PAGE -> RxResponse.write(page, rx.claimResponseSlot(), id, 4000, 0, 200);
            case RX_STATUS_OUT_OF_RANGE -> RxResponse.write(page, rx.claimResponseSlot(), id, 0, 0, -77);
            case RX_UNKNOWN_EXTRA_TYPE -> {
                RxResponse.write(page, rx.claimResponseSlot(), id, 0, Netif.NETRXF_EXTRA_INFO, 60);
                rx.consumeRequestSlot();
                int extraAt = rx.claimResponseSlot();
                page.put(extraAt + ExtraInfo.TYPE_OFFSET, (byte) UNKNOWN_EXTRA_TYPE);
                page.put(extraAt + ExtraInfo.FLAGS_OFFSET, (byte) 0);
            }
            case RX_REWRITTEN_AFTER_PUBLISH -> {
                int at = rx.claimResponseSlot();
                RxResponse.write(page, at, id, 0, 0, 60);
                faultsWritten.incrementAndGet();
                rx.pushResponses();
                notifyFrontend(rxPort);
                // While the frontend takes it, the published slot flips between the honest answer and one
                // reaching outside its page, and ends honest: a frontend that reads the slot twice can be
                // caught between the two.
                for (int i = 0; i < REWRITES; i++) {
                    boolean honest = (i & 1) == 1;
                    RxResponse.write(page, at, id, honest ? 0 : 4000, 0, honest ? 60 : 200);
                }
                return true;
            }
            case RX_PRODUCER_BACKWARDS -> {
                // Two responses, and once the frontend has taken their event, the producer one back: still ahead
                // of a frontend that has not consumed them, so only a frontend that remembers the producer sees it.
                RxResponse.write(page, rx.claimResponseSlot(), id, 0, 0, 60);
                int secondAt = rx.consumeRequestSlot();
                RxResponse.write(page, rx.claimResponseSlot(),
                        Short.toUnsignedInt(page.getShort(secondAt + RxRequest.ID_OFFSET)), 0, 0, 60);
                faultsWritten.incrementAndGet();
                rx.pushResponses();
                notifyFrontend(rxPort);
                awaitEventTaken();
                forgeProducer(rx, rx.responseProducerPrivate() - 1, rxPort);
                faultsWritten.decrementAndGet(); // forgeProducer counts it again
                return true;
            }
            case RX_ENDLESS_EXTRA_CHAIN -> {
                RxResponse.write(page, rx.claimResponseSlot(), id, 0, Netif.NETRXF_EXTRA_INFO, 60);
                while (rx.unconsumedRequests(producer) > 0) {
                    rx.consumeRequestSlot();
                    ExtraInfo.writeGso(page, rx.claimResponseSlot(), Netif.XEN_NETIF_EXTRA_FLAG_MORE, 1448,
                            Netif.XEN_NETIF_GSO_TYPE_TCPV4, 0);
                }
            }
            default -> throw new IllegalArgumentException("not an RX fault: " + injected);
        }
        faultsWritten.incrementAndGet();
        rx.pushResponses();
        notifyFrontend(rxPort);
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
        return !thread.isAlive();
    }

    @Override
    public void close() {
        stop();
        closeQuietly(txMapping, rxMapping, txPort);
        if (rxPort != txPort) {
            closeQuietly(null, null, rxPort);
        }
    }

    /**
     * Closes the queue as a backend that does not let go: its event channels close, but its rings stay
     * mapped and it maps the receive buffers the frontend still has posted.
     *
     * @return the mappings it keeps, for whoever ends the fault to unmap
     */
    List<GrantMapping> closeHoldingPages() {
        stop();
        List<GrantMapping> kept = new ArrayList<>(List.of(txMapping, rxMapping));
        int producer = rx.acquireRequestProducer();
        int posted = Math.min(producer - rx.requestConsumer(), rx.capacity());
        for (int i = 0; i < posted; i++) {
            int gref = rx.page().getInt(rx.slotOffset(rx.requestConsumer() + i) + RxRequest.GREF_OFFSET);
            try {
                kept.add(vif.guest().grants().map(vif.dom0(), gref, false));
            } catch (GrantException e) {
                // not a grant it can map: it holds what it can
            }
        }
        closeQuietly(null, null, txPort);
        if (rxPort != txPort) {
            closeQuietly(null, null, rxPort);
        }
        return kept;
    }

    private void stop() {
        failed = true; // from here on deliver() queues nothing
        calm();
        running = false;
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // After the thread and any sending queue's pass over the RX side, so that a frame still being copied
        // is not handed back to its pool under the copy; the RX side stays taken, the queue is done.
        if (Thread.currentThread() != thread) {
            lockRx();
        }
        synchronized (pendingRx) {
            rxDropped.addAndGet(pendingRx.size());
            for (SimFrame frame : pendingRx) {
                frame.release();
            }
            pendingRx.clear();
            pendingRxBytes = 0;
            pendingRxOverflow = 0;
        }
    }
}
