package org.xenpv.netfront.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.netif.ExtraInfo;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.NetifPacketReader;
import org.xenpv.abi.netif.RxRequest;
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
import org.xenpv.gnttab.Revocation;
import org.xenpv.net.Offload;
import org.xenpv.net.SendStatus;
import org.xenpv.xenstore.XenStoreException;
import org.xenpv.xenstore.XenStoreOperations;

/**
 * One netif queue: a TX and an RX ring shared with the backend, their event
 * channel(s), and pools of granted pages for frame data. Everything read from
 * the rings is copied once and checked before it is used; a response no
 * honest backend would write marks the device broken.
 *
 * <p>Each queue has its own thread, as Linux gives each queue its own
 * interrupt and NAPI instance: an event only wakes that thread, which takes
 * TX completions and RX responses in bounded passes, refills the RX ring and
 * calls the stack's receiver. A slow stack on one queue so delays neither
 * another queue nor another vif, and the event dispatcher runs no driver work.
 *
 * <p>Nothing is allocated per frame: ring entries are read field by field
 * into primitives kept with the queue, and the offload of a received frame is
 * a constant or the last one built.
 */
final class NetfrontQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NetfrontQueue.class);
    static final int PAGE = 4096;
    /** The most slots a received packet may use (netback's own limit, XEN_NETBK_LEGACY_SLOTS_MAX). */
    static final int MAX_RX_SLOTS = Netif.XEN_NETIF_NR_SLOTS_MIN;
    /** Packets received per pass before TX completions get their turn again (Linux's NAPI weight). */
    static final int RX_BUDGET = 64;
    private static final long STOP_WAIT_MILLIS = TimeUnit.SECONDS.toMillis(10);
    private static final VarHandle WOKEN;

    static {
        try {
            WOKEN = MethodHandles.lookup().findVarHandle(NetfrontQueue.class, "woken", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What a queue reports to its device. */
    interface Owner {
        void broken(String reason);

        /**
         * Hands a received frame to the stack.
         *
         * @return whether the stack was given it; when not (the device went down or broke meanwhile, or no
         *     stack listens) the owner has counted it as dropped, and the queue does not count it as received
         */
        boolean received(int queue, ByteBuffer frame, Offload offload);
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
    /**
     * Set by the queue's thread when it wants TX completions taken; whoever
     * holds the TX lock takes them after letting go of it, so that the
     * queue's thread never waits for a sender (see {@link #takeWantedTxCompletions}).
     */
    private volatile boolean txCompletionsWanted;
    /**
     * Set while the queue's thread sleeps until an event, with no timer: a
     * sender that publishes requests then asks for a TX completion event
     * itself ({@link #pushTxLocked}), since no one would look at their answers.
     */
    private volatile boolean sleepingUntilEvent;
    /**
     * How long the queue's thread sleeps with TX requests in flight before it
     * takes their answers itself, instead of asking the backend for an event
     * (TX completion coalescing, as a NIC's tx-usecs): a stream then costs no
     * event, no dispatcher wake-up and no pass per batch the backend answers,
     * only one look per interval ({@link NetfrontConfig#txCompletionMicros}).
     */
    private final long txLookNanos;
    /**
     * How long the queue's thread keeps looking at its rings after a pass
     * before it sleeps until an event: a stream of frames then costs no
     * event and no wake-up per batch (Linux's busy polling, kept short;
     * {@link NetfrontConfig#pollMicros}).
     */
    private final long pollNanos;
    /** The TX response consumer when the queue's thread last slept until an event (its thread only). */
    private int txConsumerAtLastSleep;
    private final TxInFlight txInFlight;

    private final ReentrantLock rxLock = new ReentrantLock();
    private final PoolPage[] rxPages;
    /** Reads each received packet's responses once; netfront takes GSO alone, so one extra-info slot at most. */
    private final NetifPacketReader packets = new NetifPacketReader(NetifPacketReader.Ring.RX_RESPONSES,
            MAX_RX_SLOTS, 1);
    /** The offload of the last GSO packet received: a stream of them reuses it. */
    private Offload lastGso = Offload.NONE;
    private final ByteBuffer frame = ByteBuffer.allocateDirect(MAX_RX_SLOTS * PAGE);

    private final Thread worker;
    /** Set by events (and by a pass that ran out of budget), cleared by the worker before each pass. */
    @SuppressWarnings("unused") // through WOKEN
    private volatile boolean woken;
    private volatile boolean running = true;
    private volatile boolean active;
    private volatile boolean failed;
    // The response producers as the event handler last saw them (the dispatcher's thread only).
    private int txSeenProducer;
    private int rxSeenProducer;
    /** Set by the event handler when a producer went backwards; the queue's thread marks the device broken. */
    private volatile String producerWentBack;
    // The response producers as the queue's passes last read them (under the TX and RX locks).
    private int txLastProducer;
    private int rxLastProducer;

    /**
     * Grants the rings and buffer pools, binds the event channel(s) and
     * starts the queue's thread, which waits for events.
     *
     * @param threadName the name of the queue's thread, so that a thread dump says which vif and queue it serves
     */
    NetfrontQueue(int index, String threadName, int backendDomid, GrantTable grants, EventChannels events,
            Negotiated negotiated, NetfrontConfig config, QueueCounters counters, Owner owner)
            throws IOException {
        this.index = index;
        this.pollNanos = config.pollNanos();
        this.txLookNanos = config.txCompletionNanos();
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
            txBufferPool = grants.createPool(backendDomid, config.txBuffers(), Access.READ_ONLY);
            rxBufferPool = grants.createPool(backendDomid, config.rxBuffers(), Access.WRITABLE);
            // An event only looks whether its ring(s) moved and wakes the queue's thread, which takes both rings;
            // one that finds nothing moved is spurious and delays its port's re-arming (lateeoi).
            if (negotiated.split()) {
                txEvents = events.bindUnboundLateEoi(backendDomid, channel -> onEvent(true, false));
                rxEvents = events.bindUnboundLateEoi(backendDomid, channel -> onEvent(false, true));
            } else {
                txEvents = events.bindUnboundLateEoi(backendDomid, channel -> onEvent(true, true));
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
        this.txInFlight = new TxInFlight(tx.capacity());
        this.rxPages = new PoolPage[rx.capacity()];
        counters.connected(txEvents == rxEvents ? new EventChannel[] {txEvents}
                : new EventChannel[] {txEvents, rxEvents});
        this.worker = new Thread(this::work, threadName);
        worker.setDaemon(true);
        worker.start();
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

    /** Fills the RX ring with buffers; frames flow from now on, unless the backend broke the queue. */
    void start() {
        rxLock.lock();
        try {
            if (failed) {
                return; // nothing a broken backend writes is taken any more
            }
            active = true;
            postRxBuffers();
        } finally {
            rxLock.unlock();
        }
        // Responses that arrived while stopped were left in the ring, and their events are spent: look now.
        wake();
    }

    /** Stops sending and delivering; what is in flight stays accounted until close. */
    void stop() {
        active = false;
    }

    /**
     * The event handler, on the dispatcher's thread: whether a ring's
     * response producer moved since the last event. An event with nothing new
     * is spurious (a backend that storms) and its port is re-armed late while
     * such events persist. The queue's thread is woken when a producer moved,
     * and also, as Linux's netfront schedules its poll, whenever responses
     * wait unconsumed: a producer moved back and forth between two events
     * looks unchanged, and its responses must not be left waiting for an
     * event that differs; and, with split channels, responses on the other
     * ring, which the thread takes in the same pass. The events of a broken queue are all spurious, so
     * its port settles at the longest delay. Allocates nothing.
     */
    private boolean onEvent(boolean lookAtTx, boolean lookAtRx) {
        FrontRing txFront = tx;
        FrontRing rxFront = rx;
        if (failed || txFront == null || rxFront == null) {
            // Broken: nothing is taken any more. No rings yet: only a backend that guessed the port can notify.
            counters.spuriousEvents.increment();
            return false;
        }
        boolean work = false;
        int txProducer = txFront.acquireResponseProducer();
        if (lookAtTx && txProducer != txSeenProducer) {
            work = true;
            if (withinRing(txFront, txProducer)) {
                noteIfBackwards("TX", txSeenProducer, txProducer);
                txSeenProducer = txProducer;
            }
        }
        int rxProducer = rxFront.acquireResponseProducer();
        if (lookAtRx && rxProducer != rxSeenProducer) {
            work = true;
            if (withinRing(rxFront, rxProducer)) {
                noteIfBackwards("RX", rxSeenProducer, rxProducer);
                rxSeenProducer = rxProducer;
            }
        }
        // Both rings, whichever port fired: the queue's thread takes both in one pass. The consumers are read
        // without the locks: a stale value is an older one, which only wakes the thread in vain.
        boolean waiting = txProducer != txFront.responseConsumer() || rxProducer != rxFront.responseConsumer();
        if (work || waiting) {
            wake();
        }
        if (!work) {
            counters.spuriousEvents.increment();
        }
        return work;
    }

    /**
     * Whether a producer the handler read is one the ring could hold. One that
     * is not is left to the queue's thread, which breaks the device if it
     * reads it too, and is not remembered: a producer a backend moved far
     * ahead and back before the thread looked would otherwise break the
     * device later, at an honest event, as if that one had gone backwards.
     */
    private static boolean withinRing(FrontRing ring, int producer) {
        return Integer.compareUnsigned(producer - ring.responseConsumer(), ring.capacity()) <= 0;
    }

    /** Notes a producer that went backwards (wrapping compared as ring.h does, by difference). */
    private void noteIfBackwards(String ring, int before, int now) {
        if (now - before < 0 && producerWentBack == null) {
            producerWentBack = ring + " response producer went backwards from " + before + " to " + now;
        }
    }

    /** Lets the queue's thread run a pass; called for every event, so it allocates nothing. */
    private void wake() {
        // A write, not a read then a write: the worker's clearing of the flag then sees this event's ring state.
        if (!(boolean) WOKEN.getAndSet(this, true)) {
            LockSupport.unpark(worker);
        }
    }

    /** The queue's thread: a pass over both rings per wake-up, until released. */
    private void work() {
        while (running) {
            if (!(boolean) WOKEN.getAndSet(this, false) && !pollForWork()) {
                sleep();
                continue;
            }
            String backwards = producerWentBack;
            if (backwards != null && !failed) {
                markBroken(backwards);
                continue;
            }
            try {
                if (tx.acquireResponseProducer() != tx.responseConsumer()) {
                    // A stale consumer is an older one: at worst this asks for completions already taken.
                    txCompletionsWanted = true;
                    takeWantedTxCompletions();
                }
                if (receive()) {
                    WOKEN.setVolatile(this, true); // budget spent: another pass, TX completions first
                }
            } catch (RuntimeException | Error e) {
                // A bug, not the backend: the device cannot go on without its queue's thread.
                LOG.error("queue {}: its thread failed", index, e);
                markBroken("the queue's thread failed: " + e);
                return;
            }
        }
    }

    /**
     * Takes TX completions if someone asked for them and the TX lock is free.
     * The queue's thread asks (a volatile write, then a try of the lock); a
     * sender calls this after each release of the lock. Either the queue's
     * thread gets the lock, or its try came while a sender held it, and then
     * that sender's release comes after the request in the order of
     * volatile accesses, so its look at the flag that follows sees it: the
     * completions are never left for no one, and neither side waits.
     */
    private void takeWantedTxCompletions() {
        while (txCompletionsWanted && txLock.tryLock()) {
            try {
                txCompletionsWanted = false;
                reclaimTxLocked();
            } finally {
                txLock.unlock();
            }
        }
    }

    /**
     * Spins for up to {@link #pollNanos} until the RX ring has responses
     * this queue has not taken, or an event came; then asks for an RX event
     * and looks once more ({@link #rearmRxEvent}). While it spins, the backend
     * sends no RX event: the event is not armed during a pass or a poll, as
     * Linux's netfront leaves it unarmed while its NAPI poll is scheduled. TX
     * completions are not polled for: a sender takes them itself when its
     * ring fills.
     *
     * <p>The consumer index is read without the RX lock: a stale value only
     * costs a pass that finds nothing.
     */
    private boolean pollForWork() {
        long deadline = System.nanoTime() + pollNanos;
        do {
            if (!active || failed) {
                return false;
            }
            if (rx.acquireResponseProducer() != rx.responseConsumer()) {
                return true;
            }
            if ((boolean) WOKEN.getVolatile(this) && (boolean) WOKEN.getAndSet(this, false)) {
                return true;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        return rearmRxEvent();
    }

    /**
     * Sleeps until an event (the RX event is armed) or an unpark. While TX
     * requests are in flight, or answers were taken since it last slept this
     * way, it sleeps for {@link #txLookNanos} at a time and takes the answers
     * itself, for as long as answers come: a stream's completions, and those
     * of a sender that sends again within the interval (a request and its
     * reply), then cost no event. Once an interval passes without answers,
     * it asks for a TX completion event at the last request published, if
     * any is in flight, and sleeps until an event.
     *
     * <p>A sender that publishes while the thread goes to sleep: the thread
     * raises {@link #sleepingUntilEvent} and then reads the request producer,
     * the sender publishes and then reads the flag, each with a full fence
     * between, so either the thread sees the requests and asks for their
     * event, or the sender sees the flag and asks for it. Both may: the
     * earlier request of the two can only bring an early event, after which
     * the thread looks again.
     */
    private void sleep() {
        int consumerAtLastLook = txConsumerAtLastSleep;
        while (running && !(boolean) WOKEN.getVolatile(this)) {
            // Not whether the Nic is up: requests published before a down() are answered after it, and their
            // pages and counts come back only when the answers are taken (Linux collects TX buffers whatever the
            // interface's state, too). Only a broken queue takes nothing more.
            boolean txInUse = !failed;
            // Read without the TX lock: a stale consumer costs an interval more or less, never an answer.
            int consumer = tx.responseConsumer();
            if (txInUse && (consumer != consumerAtLastLook || txRequestsInFlight())) {
                consumerAtLastLook = consumer;
                LockSupport.parkNanos(this, txLookNanos);
                if ((boolean) WOKEN.getVolatile(this)) {
                    return;
                }
                txCompletionsWanted = true;
                takeWantedTxCompletions();
                if (tx.responseConsumer() != consumerAtLastLook) {
                    continue;
                }
            }
            txConsumerAtLastSleep = tx.responseConsumer();
            sleepingUntilEvent = true;
            try {
                VarHandle.fullFence();
                if (txInUse) {
                    int published = tx.publishedRequestProducer();
                    if (published != tx.responseConsumer() && tx.checkForResponsesAskingForEventAt(published)) {
                        WOKEN.setVolatile(this, true); // answers wait that no event will announce: a pass
                        return;
                    }
                }
                // Looked at again: the poll's last look may wait for the RX lock, and an event's unpark during
                // that wait is taken by the lock's own park (as a stop's is by a timed sleep above), so this park
                // would not return for it.
                if (running && !(boolean) WOKEN.getVolatile(this)) {
                    LockSupport.park(this);
                }
            } finally {
                sleepingUntilEvent = false;
            }
            return;
        }
    }

    /** Whether TX requests were published that this queue has not taken answers for; read without the TX lock. */
    private boolean txRequestsInFlight() {
        return tx.publishedRequestProducer() != tx.responseConsumer();
    }

    private void stopWorker() {
        running = false;
        LockSupport.unpark(worker);
        if (Thread.currentThread() == worker) {
            return;
        }
        try {
            worker.join(STOP_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            LOG.warn("queue {}: its thread did not stop within {} ms: the stack's receiver blocks", index,
                    STOP_WAIT_MILLIS);
        }
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
        SendStatus status;
        boolean notify;
        txLock.lock();
        try {
            status = enqueueLocked(source, offload);
            notify = push && status == SendStatus.QUEUED && pushTxLocked();
        } finally {
            txLock.unlock();
        }
        afterTxUnlock(notify);
        return status;
    }

    private SendStatus enqueueLocked(ByteBuffer source, Offload offload) {
        int length = source.remaining();
        int dataSlots = (length + PAGE - 1) / PAGE;
        boolean gso = offload.gso() != Offload.GsoType.NONE;
        int needed = dataSlots + (gso ? 1 : 0);
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
            int id = txInFlight.take(page, i == 0 ? length : -1);
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
        return SendStatus.QUEUED;
    }

    /**
     * What a sender does once it has let go of the TX lock: the completions
     * the queue's thread left to it, then the backend's notification.
     */
    private void afterTxUnlock(boolean notify) {
        if (txCompletionsWanted) {
            takeWantedTxCompletions();
        }
        if (notify) {
            notifyBackend(txChannel);
        }
    }

    /** Publishes queued frames, notifying the backend once if it asked for it. */
    void flush() {
        boolean notify;
        txLock.lock();
        try {
            notify = active && pushTxLocked();
        } finally {
            txLock.unlock();
        }
        afterTxUnlock(notify);
    }

    /**
     * Publishes the queued TX requests and takes the answers that wait (as
     * Linux's netfront collects its TX buffers on each transmit). The answers
     * to the rest are the queue's thread's to take, on its timer
     * ({@link #sleep}); only while that thread sleeps with no timer does the
     * sender ask for a TX completion event, and then at its last request, not
     * at the next answer: a sender that keeps publishing moves the event
     * ahead with its requests, and the backend notifies once when the sender
     * stops and everything is answered.
     *
     * @return whether the backend asked to be notified of the requests
     */
    private boolean pushTxLocked() {
        // The push ends with a full fence: this read of the flag comes after the requests are published.
        boolean notify = tx.pushRequestsAndCheckNotify();
        if (sleepingUntilEvent && tx.checkForResponsesAskingForEventAtLastRequest()) {
            reclaimTxLocked();
        }
        return notify;
    }

    private boolean hasRoom(int slots, int pages) {
        return tx.freeRequests() >= slots && txInFlight.free() >= pages && txPool.available() >= pages;
    }

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(PAGE).asReadOnlyBuffer();

    private static void zero(ByteBuffer page, int from, int to) {
        page.put(from, ZEROS, 0, to - from);
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
            if (producer - txLastProducer < 0) {
                markBroken("TX response producer went backwards from " + txLastProducer + " to " + producer);
                return;
            }
            txLastProducer = producer;
            // Counted once per batch: the counters are shared with readers of the statistics, the loop is not.
            int packets = 0;
            long bytes = 0;
            int dropped = 0;
            int errors = 0;
            for (int i = tx.responseConsumer(); i != producer; i++) {
                int at = tx.slotOffset(i);
                // Read once into locals (the backend may change the slot meanwhile), then checked.
                int status = ring.getShort(at + TxResponse.STATUS_OFFSET);
                int id = Short.toUnsignedInt(ring.getShort(at + TxResponse.ID_OFFSET));
                if (status == Netif.NETIF_RSP_NULL) {
                    continue;
                }
                if (!txInFlight.inFlight(id)) {
                    countTx(packets, bytes, dropped, errors);
                    markBroken("TX response for id " + id + ", which is not in flight");
                    return;
                }
                int frameLength = txInFlight.frameLength(id);
                if (frameLength >= 0) {
                    switch (status) {
                        case Netif.NETIF_RSP_OKAY:
                            packets++;
                            bytes += frameLength;
                            break;
                        case Netif.NETIF_RSP_DROPPED:
                            dropped++;
                            break;
                        default:
                            errors++;
                            break;
                    }
                }
                txPool.recycle(txInFlight.complete(id));
            }
            countTx(packets, bytes, dropped, errors);
            tx.setResponseConsumer(producer);
            // No event is asked for here: the queue's thread looks on its timer, or asked for one (sleep, pushTxLocked).
        } while (tx.unconsumedResponses() != 0);
    }

    private void countTx(int packets, long bytes, int dropped, int errors) {
        if (packets != 0) {
            counters.txPackets.add(packets);
            counters.txBytes.add(bytes);
        }
        if (dropped != 0) {
            counters.txDropped.add(dropped);
        }
        if (errors != 0) {
            counters.txErrors.add(errors);
        }
    }

    // --- receive ---

    /**
     * One receive pass: up to {@link #RX_BUDGET} packets, then the RX ring
     * refilled in one batch.
     *
     * @return true when the budget ran out with responses left (another pass is due)
     */
    private boolean receive() {
        rxLock.lock();
        try {
            if (!active) {
                return false;
            }
            int budget = RX_BUDGET;
            do {
                int producer = rx.acquireResponseProducer();
                if (!rx.isPlausibleResponseProducer(producer)) {
                    markBroken("RX response producer " + producer + " is beyond the buffers posted");
                    return false;
                }
                if (producer - rxLastProducer < 0) {
                    markBroken("RX response producer went backwards from " + rxLastProducer + " to " + producer);
                    return false;
                }
                rxLastProducer = producer;
                while (rx.responseConsumer() != producer) {
                    if (budget == 0) {
                        postRxBuffers();
                        return active;
                    }
                    int consumed = receiveOnePacket(producer);
                    if (consumed < 0) {
                        return false;
                    }
                    budget--;
                    rx.setResponseConsumer(rx.responseConsumer() + consumed);
                }
                if (!active) {
                    return false;
                }
                postRxBuffers();
                // The RX event stays unarmed here: the thread polls the ring next, and asks for an event only
                // when it stops polling (rearmRxEvent), so responses that come meanwhile cost none.
            } while (rx.unconsumedResponses() != 0);
            return false;
        } finally {
            rxLock.unlock();
        }
    }

    /**
     * Before the queue's thread parks: asks the backend for an event at the
     * next response, then looks once more (RING_FINAL_CHECK_FOR_RESPONSES, as
     * Linux's netfront does when its NAPI poll completes). A response
     * published before the request for an event was seen is found by that
     * look; one published after it sees the request and sends the event.
     *
     * @return whether responses wait (a pass is due instead of parking)
     */
    private boolean rearmRxEvent() {
        rxLock.lock();
        try {
            return active && !failed && rx.finalCheckForResponses();
        } finally {
            rxLock.unlock();
        }
    }

    /**
     * Reads one packet's responses (once, with {@link #packets}), checks
     * them, assembles and delivers the frame, and recycles the buffers.
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
        int mask = rx.capacity() - 1;
        int first = rx.responseConsumer();
        NetifPacketReader.Verdict verdict = packets.read(rx, first, producer);
        if (verdict == NetifPacketReader.Verdict.VIOLATION) {
            markBroken("RX: " + packets.violation());
            return -1;
        }
        int dataSlots = packets.dataSlots();
        for (int s = 0; s < dataSlots; s++) {
            int index = packets.index(s);
            if (packets.id(s) != (index & mask)) {
                markBroken("RX response id " + packets.id(s) + " at ring index " + index + " names another buffer");
                return -1;
            }
        }
        // Every slot consumed held a posted buffer, the extra-info slots' too (they carry no data): all go back.
        int slots = packets.ringSlots();
        frame.clear();
        boolean bad = false;
        int data = 0;
        for (int index = first; index != first + slots; index++) {
            PoolPage buffer = rxPages[index & mask];
            if (buffer == null) {
                markBroken("RX response at ring index " + index + " for a buffer not posted");
                return -1;
            }
            rxPages[index & mask] = null;
            if (data < dataSlots && packets.index(data) == index) {
                int status = packets.sizeOrStatus(data);
                int offset = packets.offset(data);
                data++;
                if (status < 0) {
                    bad = true;
                } else if (offset + status > PAGE) {
                    rxPool.recycle(buffer);
                    markBroken("RX response offset " + offset + " length " + status + " reaches outside its page");
                    return -1;
                } else if (status > frame.remaining()) {
                    bad = true;
                } else {
                    frame.put(frame.position(), buffer.buffer(), offset, status);
                    frame.position(frame.position() + status);
                }
            }
            rxPool.recycle(buffer);
        }
        int length = frame.position();
        int gsoType = packets.gsoType();
        boolean gso = gsoType != NetifPacketReader.NO_GSO;
        if (bad || verdict == NetifPacketReader.Verdict.INCOMPLETE || length < 14) {
            counters.rxErrors.increment();
            return slots;
        }
        int headFlags = packets.flags(0);
        Offload offload;
        if (gso) {
            int gsoSize = packets.gsoSize();
            if ((gsoType != Netif.XEN_NETIF_GSO_TYPE_TCPV4 && gsoType != Netif.XEN_NETIF_GSO_TYPE_TCPV6)
                    || gsoSize == 0) {
                counters.rxErrors.increment();
                return slots;
            }
            offload = gsoOffload(gsoType == Netif.XEN_NETIF_GSO_TYPE_TCPV4 ? Offload.GsoType.TCPV4
                    : Offload.GsoType.TCPV6, gsoSize);
        } else if ((headFlags & Netif.NETRXF_CSUM_BLANK) != 0) {
            offload = Offload.CHECKSUM_BLANK;
        } else if ((headFlags & Netif.NETRXF_DATA_VALIDATED) != 0) {
            offload = Offload.DATA_VALIDATED;
        } else {
            offload = Offload.NONE;
        }
        frame.flip();
        if (gso) {
            counters.rxGsoFrames.increment();
        }
        if (dataSlots > 1) {
            counters.rxMultiSlotFrames.increment();
        }
        if (offload.checksumBlank()) {
            counters.rxChecksumBlank.increment();
        }
        // Counted after the hand-off, which may find the device broken meanwhile by a sender's look at the TX
        // ring, and count the frame dropped: each frame is counted once.
        if (owner.received(index, frame, offload)) {
            counters.rxPackets.increment();
            counters.rxBytes.add(length);
        }
        return slots;
    }

    private Offload gsoOffload(Offload.GsoType type, int segmentSize) {
        Offload last = lastGso;
        if (last.gso() != type || last.gsoSegmentSize() != segmentSize) {
            last = Offload.gso(type, segmentSize);
            lastGso = last;
        }
        return last;
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
        } catch (IOException | IllegalStateException e) {
            // IllegalStateException: the channel was closed under a sender racing the queue's close; the
            // frame is counted by the caller like any frame of a queue that is going away.
            if (active) {
                LOG.debug("queue {}: notify failed", index, e);
            }
        }
    }

    int index() {
        return index;
    }

    /** The TX lock, for a test that plays a sender holding it. */
    ReentrantLock txLockForTests() {
        return txLock;
    }

    /** The RX lock, for a test that holds the queue's thread at its last look before parking. */
    ReentrantLock rxLockForTests() {
        return rxLock;
    }

    /**
     * The TX ring's response consumer, for a test that waits for the queue to
     * take what a backend published: read without the TX lock, whose holder
     * would otherwise take completions the queue's thread leaves to it.
     */
    int txResponseConsumerForTests() {
        return tx.responseConsumer();
    }

    /** TX ids not in flight (each holds a buffer), for tests; read under the TX lock. */
    int txIdsFreeForTests() {
        txLock.lock();
        try {
            return txInFlight.free();
        } finally {
            txLock.unlock();
        }
    }

    /** Whether the queue's thread asked for TX completions that no one has taken yet, for tests. */
    boolean txCompletionsWantedForTests() {
        return txCompletionsWanted;
    }

    // What writeKeys publishes, for a backend set up without XenStore (the netfront-alone benchmark).

    int txRingRef() {
        return txRingPage.ref(0);
    }

    int rxRingRef() {
        return rxRingPage.ref(0);
    }

    int txEventPort() {
        return txChannel.localPort();
    }

    /** Whether the queue's thread has been woken and has not yet begun the pass it owes (for tests). */
    boolean wakePending() {
        return (boolean) WOKEN.getVolatile(this);
    }

    int rxEventPort() {
        return rxChannel.localPort();
    }

    /**
     * Closes the event channels (no handler runs after this), then revokes
     * every grant.
     *
     * @return the least certain outcome of the four revocations: {@link Revocation#DEFERRED} when the backend
     *     still maps a ring or buffer page (those then stay held, see {@link #pagesHeld})
     */
    Revocation release() {
        active = false;
        txChannel.close();
        if (rxChannel != txChannel) {
            rxChannel.close();
        }
        counters.disconnected();
        stopWorker();
        txLock.lock();
        rxLock.lock();
        try {
            countLostInFlight();
            return revoke(txPool::revoke).and(revoke(rxPool::revoke)).and(revoke(txRingPage::revoke))
                    .and(revoke(rxRingPage::revoke));
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
        for (int id = 0; id < txInFlight.capacity(); id++) {
            if (txInFlight.inFlight(id) && txInFlight.frameLength(id) >= 0) {
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
        // Whole packets only, as the receive path would have delivered them; a violation ends the count, since
        // what follows it cannot be told apart.
        for (int index = rx.responseConsumer(); index != producer; index += packets.ringSlots()) {
            NetifPacketReader.Verdict verdict = packets.read(rx, index, producer);
            if (verdict == NetifPacketReader.Verdict.VIOLATION) {
                break;
            }
            if (verdict == NetifPacketReader.Verdict.PACKET) {
                counters.rxDropped.increment();
            }
        }
        rx.setResponseConsumer(producer);
    }

    private interface Revoker {
        Revocation revoke() throws IOException;
    }

    private Revocation revoke(Revoker grant) {
        try {
            return grant.revoke();
        } catch (IOException e) {
            LOG.warn("queue {}: revoking a grant failed: {}", index, e.getMessage());
            return Revocation.UNKNOWN;
        }
    }

    /**
     * Pages of this released queue that the backend still holds, after trying their end again: its rings
     * and buffer pools, never used again while held.
     */
    int pagesHeld() {
        return (txRingPage.isHeld() ? 1 : 0) + (rxRingPage.isHeld() ? 1 : 0)
                + (txPool.isHeld() ? txPool.capacity() : 0) + (rxPool.isHeld() ? rxPool.capacity() : 0);
    }

    @Override
    public void close() {
        release();
    }
}
