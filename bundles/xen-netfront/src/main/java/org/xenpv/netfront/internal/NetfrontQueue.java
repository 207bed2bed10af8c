package org.xenpv.netfront.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.netif.ExtraInfo;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.netif.TxResponse;
import org.xenpv.abi.ring.FrontRing;
import org.xenpv.evtchn.EventChannel;
import org.xenpv.evtchn.EventChannels;
import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.PoolPage;
import org.xenpv.net.Offload;
import org.xenpv.net.SendStatus;
import org.xenpv.xenstore.XenStoreException;
import org.xenpv.xenstore.XenStoreOperations;

/**
 * One netif queue: a TX and an RX ring shared with the backend, their event
 * channel(s), and pools of granted pages for frame data. Everything read from
 * the rings is copied once and checked before it is used; a response no
 * honest backend would write marks the device broken.
 */
final class NetfrontQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NetfrontQueue.class);
    static final int PAGE = 4096;
    /** The most slots a received packet may use (netback's own limit, XEN_NETBK_LEGACY_SLOTS_MAX). */
    static final int MAX_RX_SLOTS = Netif.XEN_NETIF_NR_SLOTS_MIN;

    /** What a queue reports to its device. */
    interface Owner {
        void broken(String reason);

        void received(int queue, ByteBuffer frame, Offload offload);
    }

    private final int index;
    private final Negotiated negotiated;
    private final QueueCounters counters;
    private final Owner owner;
    private final GrantedPages txRingPage;
    private final GrantedPages rxRingPage;
    private final FrontRing tx;
    private final FrontRing rx;
    private final PagePool txPool;
    private final PagePool rxPool;
    private final EventChannel txChannel;
    private final EventChannel rxChannel;

    private final ReentrantLock txLock = new ReentrantLock();
    private final PoolPage[] txPages;
    private final int[] txFrameLength;
    private final int[] freeIds;
    private int freeIdCount;

    private final ReentrantLock rxLock = new ReentrantLock();
    private final PoolPage[] rxPages;
    private final RxResponse[] rxScratch = new RxResponse[MAX_RX_SLOTS + 2];
    private final ByteBuffer frame = ByteBuffer.allocateDirect(MAX_RX_SLOTS * PAGE);

    private volatile boolean active;
    private volatile boolean failed;

    NetfrontQueue(int index, int backendDomid, GrantTable grants, EventChannels events, Negotiated negotiated,
            int txBuffers, int rxBuffers, QueueCounters counters, Owner owner) throws IOException {
        this.index = index;
        this.negotiated = negotiated;
        this.counters = counters;
        this.owner = owner;
        GrantedPages txRingGrant = null;
        GrantedPages rxRingGrant = null;
        PagePool txBufferPool = null;
        PagePool rxBufferPool = null;
        EventChannel txEvents = null;
        EventChannel rxEvents = null;
        try {
            txRingGrant = grants.grant(backendDomid, 1, Access.WRITABLE);
            rxRingGrant = grants.grant(backendDomid, 1, Access.WRITABLE);
            txBufferPool = grants.createPool(backendDomid, txBuffers, Access.READ_ONLY);
            rxBufferPool = grants.createPool(backendDomid, rxBuffers, Access.WRITABLE);
            if (negotiated.split()) {
                txEvents = events.bindUnbound(backendDomid, channel -> onTxEvent());
                rxEvents = events.bindUnbound(backendDomid, channel -> onRxEvent());
            } else {
                txEvents = events.bindUnbound(backendDomid, channel -> {
                    onTxEvent();
                    onRxEvent();
                });
                rxEvents = txEvents;
            }
        } catch (IOException | RuntimeException e) {
            closeAll(txEvents, rxEvents, txBufferPool, rxBufferPool, txRingGrant, rxRingGrant);
            throw e;
        }
        this.txRingPage = txRingGrant;
        this.rxRingPage = rxRingGrant;
        this.txPool = txBufferPool;
        this.rxPool = rxBufferPool;
        this.txChannel = txEvents;
        this.rxChannel = rxEvents;
        this.tx = FrontRing.initialise(txRingGrant.page(0), Netif.TX_RING);
        this.rx = FrontRing.initialise(rxRingGrant.page(0), Netif.RX_RING);
        this.txPages = new PoolPage[tx.capacity()];
        this.txFrameLength = new int[tx.capacity()];
        this.freeIds = new int[tx.capacity()];
        for (int id = tx.capacity() - 1; id >= 0; id--) {
            freeIds[freeIdCount++] = id;
        }
        this.rxPages = new PoolPage[rx.capacity()];
    }

    private static void closeAll(EventChannel txEvents, EventChannel rxEvents, PagePool txPool, PagePool rxPool,
            GrantedPages txRing, GrantedPages rxRing) {
        if (txEvents != null) {
            txEvents.close();
        }
        if (rxEvents != null && rxEvents != txEvents) {
            rxEvents.close();
        }
        if (txPool != null) {
            txPool.close();
        }
        if (rxPool != null) {
            rxPool.close();
        }
        if (txRing != null) {
            txRing.close();
        }
        if (rxRing != null) {
            rxRing.close();
        }
    }

    /** Writes this queue's ring references and event channels into {@code dir}. */
    void writeKeys(XenStoreOperations store, String dir) throws XenStoreException {
        store.write(dir + "/" + Netif.Keys.TX_RING_REF, Integer.toString(txRingPage.ref(0)));
        store.write(dir + "/" + Netif.Keys.RX_RING_REF, Integer.toString(rxRingPage.ref(0)));
        if (negotiated.split()) {
            store.write(dir + "/" + Netif.Keys.EVENT_CHANNEL_TX, Integer.toString(txChannel.localPort()));
            store.write(dir + "/" + Netif.Keys.EVENT_CHANNEL_RX, Integer.toString(rxChannel.localPort()));
        } else {
            store.write(dir + "/" + Netif.Keys.EVENT_CHANNEL, Integer.toString(txChannel.localPort()));
        }
    }

    /** Fills the RX ring with buffers; frames flow from now on. */
    void start() {
        rxLock.lock();
        try {
            active = true;
            postRxBuffers();
        } finally {
            rxLock.unlock();
        }
    }

    /** Stops sending and delivering; what is in flight stays accounted until close. */
    void stop() {
        active = false;
    }

    private void markBroken(String reason) {
        failed = true;
        active = false;
        owner.broken("queue " + index + ": " + reason);
    }

    // --- transmit ---

    /**
     * Queues one frame; with {@code push} the backend is told at once,
     * otherwise at {@link #flush()}.
     *
     * @return false when the frame could not be queued (counted as dropped)
     */
    boolean send(ByteBuffer source, Offload offload, boolean push) {
        SendStatus status = enqueue(source, offload, push);
        if (status != SendStatus.QUEUED) {
            counters.txDropped.increment();
        }
        return status == SendStatus.QUEUED;
    }

    /**
     * Queues one frame, counting nothing when it is not taken: the caller
     * decides whether a full ring is a drop or a reason to wait.
     *
     * @return QUEUED, FULL (no room in the ring, its ids or its pages), or DROPPED (not active)
     */
    SendStatus enqueue(ByteBuffer source, Offload offload, boolean push) {
        int length = source.remaining();
        int dataSlots = (length + PAGE - 1) / PAGE;
        boolean gso = offload.gso() != Offload.GsoType.NONE;
        int needed = dataSlots + (gso ? 1 : 0);
        boolean notify = false;
        txLock.lock();
        try {
            if (!active) {
                return SendStatus.DROPPED;
            }
            if (!hasRoom(needed, dataSlots)) {
                reclaimTxLocked();
                if (!active) {
                    return SendStatus.DROPPED;
                }
                if (!hasRoom(needed, dataSlots)) {
                    return SendStatus.FULL;
                }
            }
            ByteBuffer ring = tx.page();
            int start = source.position();
            for (int i = 0; i < dataSlots; i++) {
                int chunk = Math.min(PAGE, length - i * PAGE);
                PoolPage page = txPool.acquire();
                ByteBuffer data = page.buffer();
                data.put(0, source, start + i * PAGE, chunk);
                if (!negotiated.trusted() && chunk < PAGE) {
                    zero(data, chunk, PAGE);
                }
                int id = freeIds[--freeIdCount];
                txPages[id] = page;
                txFrameLength[id] = i == 0 ? length : -1;
                int flags = i < dataSlots - 1 ? Netif.NETTXF_MORE_DATA : 0;
                if (i == 0) {
                    if (offload.checksumBlank()) {
                        flags |= Netif.NETTXF_CSUM_BLANK | Netif.NETTXF_DATA_VALIDATED;
                    } else if (offload.dataValidated()) {
                        flags |= Netif.NETTXF_DATA_VALIDATED;
                    }
                    if (gso) {
                        flags |= Netif.NETTXF_EXTRA_INFO;
                    }
                }
                TxRequest.write(ring, tx.claimRequestSlot(), page.ref(), 0, flags, id, i == 0 ? length : chunk);
                if (i == 0 && gso) {
                    ExtraInfo.writeGso(ring, tx.claimRequestSlot(), 0, offload.gsoSegmentSize(),
                            offload.gso() == Offload.GsoType.TCPV4 ? Netif.XEN_NETIF_GSO_TYPE_TCPV4
                                    : Netif.XEN_NETIF_GSO_TYPE_TCPV6, 0);
                }
            }
            if (gso) {
                counters.txGsoFrames.increment();
            }
            if (dataSlots > 1) {
                counters.txMultiSlotFrames.increment();
            }
            if (offload.checksumBlank()) {
                counters.txChecksumBlank.increment();
            }
            if (push) {
                notify = tx.pushRequestsAndCheckNotify();
            }
        } finally {
            txLock.unlock();
        }
        if (notify) {
            notifyBackend(txChannel);
        }
        return SendStatus.QUEUED;
    }

    /** Publishes queued frames, notifying the backend once if it asked for it. */
    void flush() {
        boolean notify;
        txLock.lock();
        try {
            notify = active && tx.pushRequestsAndCheckNotify();
        } finally {
            txLock.unlock();
        }
        if (notify) {
            notifyBackend(txChannel);
        }
    }

    private boolean hasRoom(int slots, int pages) {
        return tx.freeRequests() >= slots && freeIdCount >= pages && txPool.available() >= pages;
    }

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(PAGE).asReadOnlyBuffer();

    private static void zero(ByteBuffer page, int from, int to) {
        page.put(from, ZEROS, 0, to - from);
    }

    private void onTxEvent() {
        txLock.lock();
        try {
            reclaimTxLocked();
        } finally {
            txLock.unlock();
        }
    }

    /** Takes the backend's TX responses: counts the frames and returns their pages and ids. */
    private void reclaimTxLocked() {
        if (failed) {
            return;
        }
        ByteBuffer ring = tx.page();
        do {
            int producer = tx.acquireResponseProducer();
            if (!tx.isPlausibleResponseProducer(producer)) {
                markBroken("TX response producer " + producer + " is beyond the requests made (consumer "
                        + tx.responseConsumer() + ", producer " + tx.requestProducerPrivate() + ")");
                return;
            }
            for (int i = tx.responseConsumer(); i != producer; i++) {
                TxResponse response = TxResponse.read(ring, tx.slotOffset(i));
                if (response.status() == Netif.NETIF_RSP_NULL) {
                    continue;
                }
                int id = response.id();
                if (id < 0 || id >= txPages.length || txPages[id] == null) {
                    markBroken("TX response for id " + id + ", which is not in flight");
                    return;
                }
                if (txFrameLength[id] >= 0) {
                    switch (response.status()) {
                        case Netif.NETIF_RSP_OKAY:
                            counters.txPackets.increment();
                            counters.txBytes.add(txFrameLength[id]);
                            break;
                        case Netif.NETIF_RSP_DROPPED:
                            counters.txDropped.increment();
                            break;
                        default:
                            counters.txErrors.increment();
                            break;
                    }
                }
                txPool.release(txPages[id]);
                txPages[id] = null;
                freeIds[freeIdCount++] = id;
            }
            tx.setResponseConsumer(producer);
        } while (tx.finalCheckForResponses());
    }

    // --- receive ---

    private void onRxEvent() {
        rxLock.lock();
        try {
            if (!active) {
                return;
            }
            do {
                int producer = rx.acquireResponseProducer();
                if (!rx.isPlausibleResponseProducer(producer)) {
                    markBroken("RX response producer " + producer + " is beyond the buffers posted");
                    return;
                }
                while (rx.responseConsumer() != producer) {
                    int consumed = receiveOnePacket(producer);
                    if (consumed < 0) {
                        return;
                    }
                    rx.setResponseConsumer(rx.responseConsumer() + consumed);
                }
                if (!active) {
                    return;
                }
                postRxBuffers();
            } while (rx.finalCheckForResponses());
        } finally {
            rxLock.unlock();
        }
    }

    /**
     * Copies the responses of one packet, checks them, assembles and delivers
     * the frame, and recycles the buffers.
     *
     * A packet whose slots are not all published (its last response says
     * more data, or extra info, at the producer) is consumed as far as it goes
     * and counted as an error, as Linux's netfront does: an honest backend
     * publishes a packet whole, and waiting for the rest would let a backend
     * hold this queue's thread for good.
     *
     * @return the slots consumed (at least one); -1 when broken
     */
    private int receiveOnePacket(int producer) {
        ByteBuffer ring = rx.page();
        int mask = rx.capacity() - 1;
        int first = rx.responseConsumer();
        int slots = 0;
        ExtraInfo gso = null;
        boolean more = true;
        boolean incomplete = false;
        // First pass: copy the packet's responses (and its extra info) once, and find where it ends.
        while (more) {
            int index = first + slots;
            if (index == producer) {
                incomplete = true;
                break;
            }
            if (slots >= rxScratch.length) {
                markBroken("a received packet spans more than " + MAX_RX_SLOTS + " slots");
                return -1;
            }
            RxResponse response = RxResponse.read(ring, rx.slotOffset(index));
            rxScratch[slots++] = response;
            if (response.id() != (index & mask)) {
                markBroken("RX response id " + response.id() + " at ring index " + index
                        + " names another buffer");
                return -1;
            }
            boolean extra = slots == 1 && response.status() >= 0 && response.hasFlag(Netif.NETRXF_EXTRA_INFO);
            more = response.hasFlag(Netif.NETRXF_MORE_DATA);
            if (extra) {
                int extraIndex = first + slots;
                if (extraIndex == producer) {
                    incomplete = true;
                    break;
                }
                ExtraInfo info = ExtraInfo.read(ring, rx.slotOffset(extraIndex));
                rxScratch[slots++] = null; // the extra slot's buffer carries no data
                if (info.type() == Netif.XEN_NETIF_EXTRA_TYPE_GSO) {
                    gso = info;
                } else if (info.type() == Netif.XEN_NETIF_EXTRA_TYPE_NONE
                        || info.type() >= Netif.XEN_NETIF_EXTRA_TYPE_MAX || info.hasMore()) {
                    markBroken("RX extra info of type " + info.type() + (info.hasMore() ? " with more" : ""));
                    return -1;
                }
            }
        }
        // Second pass: gather the data from the copies, recycling each buffer.
        frame.clear();
        boolean bad = false;
        for (int s = 0; s < slots; s++) {
            int index = first + s;
            PoolPage buffer = rxPages[index & mask];
            if (buffer == null) {
                markBroken("RX response at ring index " + index + " for a buffer not posted");
                return -1;
            }
            rxPages[index & mask] = null;
            RxResponse response = rxScratch[s];
            if (response != null) {
                int status = response.status();
                if (status < 0) {
                    bad = true;
                } else if (response.offset() < 0 || response.offset() + status > PAGE) {
                    rxPool.release(buffer);
                    markBroken("RX response offset " + response.offset() + " length " + status
                            + " reaches outside its page");
                    return -1;
                } else if (status > frame.remaining()) {
                    bad = true;
                } else {
                    frame.put(frame.position(), buffer.buffer(), response.offset(), status);
                    frame.position(frame.position() + status);
                }
            }
            rxPool.release(buffer);
        }
        int length = frame.position();
        RxResponse head = rxScratch[0];
        if (bad || incomplete || length < 14) {
            counters.rxErrors.increment();
            return slots;
        }
        Offload offload;
        if (gso != null) {
            int type = gso.gsoType();
            if ((type != Netif.XEN_NETIF_GSO_TYPE_TCPV4 && type != Netif.XEN_NETIF_GSO_TYPE_TCPV6)
                    || gso.gsoSize() == 0) {
                counters.rxErrors.increment();
                return slots;
            }
            offload = Offload.gso(type == Netif.XEN_NETIF_GSO_TYPE_TCPV4 ? Offload.GsoType.TCPV4
                    : Offload.GsoType.TCPV6, gso.gsoSize());
        } else if (head.hasFlag(Netif.NETRXF_CSUM_BLANK)) {
            offload = Offload.CHECKSUM_BLANK;
        } else if (head.hasFlag(Netif.NETRXF_DATA_VALIDATED)) {
            offload = Offload.DATA_VALIDATED;
        } else {
            offload = Offload.NONE;
        }
        frame.flip();
        if (gso != null) {
            counters.rxGsoFrames.increment();
        }
        if (slots - (gso != null ? 1 : 0) > 1) {
            counters.rxMultiSlotFrames.increment();
        }
        if (offload.checksumBlank()) {
            counters.rxChecksumBlank.increment();
        }
        counters.rxPackets.increment();
        counters.rxBytes.add(length);
        owner.received(index, frame, offload);
        return slots;
    }

    /** Posts a granted buffer in every free RX slot. */
    private void postRxBuffers() {
        ByteBuffer ring = rx.page();
        int mask = rx.capacity() - 1;
        int posted = 0;
        while (rx.freeRequests() > 0) {
            int id = rx.requestProducerPrivate() & mask;
            if (rxPages[id] != null) {
                markBroken("RX slot " + id + " is still in use");
                return;
            }
            PoolPage buffer = rxPool.acquire();
            if (buffer == null) {
                break;
            }
            if (!negotiated.trusted()) {
                zero(buffer.buffer(), 0, PAGE);
            }
            rxPages[id] = buffer;
            RxRequest.write(ring, rx.claimRequestSlot(), id, buffer.ref());
            posted++;
        }
        if (posted > 0 && rx.pushRequestsAndCheckNotify()) {
            notifyBackend(rxChannel);
        }
    }

    private void notifyBackend(EventChannel channel) {
        try {
            channel.notifyRemote();
        } catch (IOException e) {
            if (active) {
                LOG.debug("queue {}: notify failed", index, e);
            }
        }
    }

    int index() {
        return index;
    }

    /**
     * Closes the event channels (no handler runs after this), then revokes
     * every grant.
     *
     * @return false when some grant could not be revoked at once (the backend still uses it)
     */
    boolean release() {
        active = false;
        txChannel.close();
        if (rxChannel != txChannel) {
            rxChannel.close();
        }
        txLock.lock();
        rxLock.lock();
        try {
            countLostInFlight();
            txPool.close();
            rxPool.close();
            return revoke(txRingPage) & revoke(rxRingPage);
        } finally {
            rxLock.unlock();
            txLock.unlock();
        }
    }

    /**
     * Counts what the connection's end leaves undelivered, so that nothing is
     * lost silently: frames sent without an answer, and frames the backend
     * placed in the RX ring that were not taken.
     */
    private void countLostInFlight() {
        // Answers already published are taken first: those frames left, they are not lost.
        reclaimTxLocked();
        for (int id = 0; id < txPages.length; id++) {
            if (txPages[id] != null && txFrameLength[id] >= 0) {
                counters.txDropped.increment();
            }
        }
        if (failed) {
            return; // the ring's contents are not to be trusted any more
        }
        int producer = rx.acquireResponseProducer();
        if (!rx.isPlausibleResponseProducer(producer)) {
            return;
        }
        ByteBuffer ring = rx.page();
        boolean extraNext = false;
        for (int index = rx.responseConsumer(); index != producer; index++) {
            if (extraNext) {
                extraNext = false;
                continue;
            }
            RxResponse response = RxResponse.read(ring, rx.slotOffset(index));
            extraNext = response.status() >= 0 && response.hasFlag(Netif.NETRXF_EXTRA_INFO);
            if (!response.hasFlag(Netif.NETRXF_MORE_DATA)) {
                counters.rxDropped.increment();
            }
        }
        rx.setResponseConsumer(producer);
    }

    private boolean revoke(GrantedPages ring) {
        try {
            return ring.revoke();
        } catch (IOException e) {
            LOG.warn("queue {}: revoking a ring page failed: {}", index, e.getMessage());
            return false;
        }
    }

    @Override
    public void close() {
        release();
    }
}
