package org.xenpv.sim.netback;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantException;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.hypervisor.HypervisorException;
import org.xenpv.sim.xenstore.Dom0Watches;
import org.xenpv.sim.xenstore.XenStoreServer;

/**
 * The backend of one vif, behaving as Linux xen-netback: it advertises its
 * features and waits in InitWait; when the frontend is Connected it reads the
 * frontend's keys, maps the rings, binds the event channels and goes
 * Connected; it follows the frontend through Closing and Closed, and offers
 * InitWait again when the frontend restarts. Keys the frontend wrote are
 * untrusted: a malformed one fails the vif as netback would (state Closing,
 * error node), and is counted.
 *
 * <p>Its other side (its {@link Uplink}) is a port of the in-process switch,
 * or its own host interface ({@link HostInterface}), as Linux gives each vif.
 */
public final class SimNetback implements SimSwitch.Port, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SimNetback.class);

    private final Domain dom0;
    private final Domain guest;
    private final int handle;
    private final XenStoreServer store;
    private final Uplink uplink;
    private final NetbackFeatures features;
    private final AtomicLong fatalErrors;
    private final String backendPath;
    private final String frontendPath;
    private final AutoCloseable frontendWatch;
    private final List<NetbackQueue> queues = new ArrayList<>();
    /** One per queue, closed once the queues have stopped. */
    private final List<Uplink.Sender> senders = new ArrayList<>();
    /** The connected queues, for frames from the switch: read without the state lock. */
    private volatile List<NetbackQueue> active = List.of();
    /** Frames from the guest, TX errors, frames to the guest, frames for the guest dropped; across reconnections. */
    private final AtomicLong[] counters = {new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong()};
    /** A fault: disconnecting leaves the rings and posted receive buffers mapped (see {@link #holdPagesAfterClose}). */
    private boolean holdPagesAfterClose;
    private final List<GrantMapping> heldPages = new ArrayList<>();
    private boolean frontendSg;
    private boolean frontendGsoV4;
    private boolean frontendGsoV6;
    private boolean closed;
    /** While {@link #flapState} flips the state, the backend follows no frontend change. */
    private boolean flapping;

    /**
     * Starts the backend of vif {@code handle} of {@code guest}, whose backend
     * directory the toolstack has written.
     *
     * @param uplinks makes its other side (once, before the backend offers InitWait)
     * @param fatalErrors where fatal errors of every netback are counted
     */
    SimNetback(Domain dom0, Domain guest, int handle, XenStoreServer store, Dom0Watches watches,
            Function<SimNetback, Uplink> uplinks, NetbackFeatures features, AtomicLong fatalErrors) {
        this.dom0 = dom0;
        this.guest = guest;
        this.handle = handle;
        this.store = store;
        this.features = features;
        this.fatalErrors = fatalErrors;
        this.backendPath = backendPath(guest.domid(), handle);
        this.frontendPath = frontendPath(guest.domid(), handle);
        // As the hotplug script, the interface exists before the backend offers InitWait.
        this.uplink = uplinks.apply(this);
        advertiseFeatures();
        setState(XenbusState.INIT_WAIT);
        frontendWatch = watches.watch(frontendPath + "/" + Netif.Keys.STATE, path -> frontendChanged());
    }

    public static String backendPath(int guestDomid, int handle) {
        return "/local/domain/0/backend/vif/" + guestDomid + "/" + handle;
    }

    public static String frontendPath(int guestDomid, int handle) {
        return "/local/domain/" + guestDomid + "/device/vif/" + handle;
    }

    private void advertiseFeatures() {
        writeFlag(Netif.Keys.FEATURE_SG, features.sg());
        writeFlag(Netif.Keys.FEATURE_GSO_TCPV4, features.gsoTcpv4());
        writeFlag(Netif.Keys.FEATURE_GSO_TCPV6, features.gsoTcpv6());
        writeFlag(Netif.Keys.FEATURE_IPV6_CSUM_OFFLOAD, features.ipv6CsumOffload());
        writeFlag(Netif.Keys.FEATURE_RX_COPY, features.rxCopy());
        writeFlag(Netif.Keys.FEATURE_RX_FLIP, false);
        writeFlag(Netif.Keys.FEATURE_RX_NOTIFY, features.rxNotify());
        writeFlag(Netif.Keys.FEATURE_SPLIT_EVENT_CHANNELS, features.splitEventChannels());
        store.write(backendPath + "/" + Netif.Keys.MULTI_QUEUE_MAX_QUEUES, Integer.toString(features.maxQueues()));
    }

    private void writeFlag(String key, boolean on) {
        store.write(backendPath + "/" + key, on ? "1" : "0");
    }

    private XenbusState state(String path) {
        String value = store.read(path + "/" + Netif.Keys.STATE);
        if (value == null) {
            return XenbusState.UNKNOWN;
        }
        try {
            XenbusState state = XenbusState.fromCode(Long.parseLong(value.trim()));
            return state == null ? XenbusState.UNKNOWN : state;
        } catch (NumberFormatException e) {
            return XenbusState.UNKNOWN;
        }
    }

    private void setState(XenbusState state) {
        store.write(backendPath + "/" + Netif.Keys.STATE, Integer.toString(state.code()));
    }

    public XenbusState backendState() {
        return state(backendPath);
    }

    private synchronized void frontendChanged() {
        if (closed || flapping) {
            return;
        }
        XenbusState frontend = state(frontendPath);
        XenbusState backend = state(backendPath);
        switch (frontend) {
            case INITIALISING:
            case INIT_WAIT:
                // As netback's set_backend_state, a restarting frontend takes the backend on to InitWait
                // from wherever it is in closing.
                if (backend == XenbusState.CLOSED || backend == XenbusState.CLOSING) {
                    LOG.info("{}: frontend restarted", this);
                    disconnect();
                    setState(XenbusState.INIT_WAIT);
                }
                break;
            case INITIALISED:
            case CONNECTED:
                if (backend == XenbusState.INIT_WAIT) {
                    connect();
                }
                break;
            case CLOSING:
                disconnect();
                if (backend != XenbusState.CLOSED) {
                    setState(XenbusState.CLOSING);
                }
                break;
            case CLOSED:
            case UNKNOWN:
                disconnect();
                if (backend != XenbusState.CLOSED) {
                    setState(XenbusState.CLOSED);
                }
                break;
            default:
                break;
        }
    }

    private void connect() {
        try {
            if (!readFlag(frontendPath, Netif.Keys.REQUEST_RX_COPY)) {
                throw new FrontendError("the frontend did not request rx-copy (flip is not supported)");
            }
            if (!readFlag(frontendPath, Netif.Keys.FEATURE_RX_NOTIFY)) {
                throw new FrontendError("feature-rx-notify is mandatory");
            }
            frontendSg = readFlag(frontendPath, Netif.Keys.FEATURE_SG);
            frontendGsoV4 = readFlag(frontendPath, Netif.Keys.FEATURE_GSO_TCPV4);
            frontendGsoV6 = readFlag(frontendPath, Netif.Keys.FEATURE_GSO_TCPV6);
            int queueCount = readNumber(frontendPath, Netif.Keys.MULTI_QUEUE_NUM_QUEUES).orElse(1);
            if (queueCount < 1 || queueCount > features.maxQueues()) {
                throw new FrontendError("guest requested " + queueCount + " queues, exceeding the maximum of "
                        + features.maxQueues());
            }
            for (int q = 0; q < queueCount; q++) {
                String dir = queueCount == 1 ? frontendPath : frontendPath + "/" + Netif.Keys.queueDirectory(q);
                int txRef = required(dir, Netif.Keys.TX_RING_REF);
                int rxRef = required(dir, Netif.Keys.RX_RING_REF);
                Optional<Integer> shared = readNumber(dir, Netif.Keys.EVENT_CHANNEL);
                int txPort;
                int rxPort;
                if (shared.isPresent()) {
                    txPort = shared.get();
                    rxPort = txPort;
                } else if (features.splitEventChannels()) {
                    txPort = required(dir, Netif.Keys.EVENT_CHANNEL_TX);
                    rxPort = required(dir, Netif.Keys.EVENT_CHANNEL_RX);
                } else {
                    throw new FrontendError(dir + ": no event-channel");
                }
                Uplink.Sender sender = uplink.newSender();
                senders.add(sender);
                queues.add(new NetbackQueue(queueView(sender), q, txRef, rxRef, txPort, rxPort));
            }
        } catch (FrontendError | GrantException | HypervisorException e) {
            disconnect();
            fatal("connecting: " + e.getMessage());
            return;
        }
        active = List.copyOf(queues);
        // As netback turns the carrier on before it goes Connected.
        uplink.connected(frontendSg, frontendGsoV4, frontendGsoV6);
        setState(XenbusState.CONNECTED);
        queues.forEach(queue -> {
            queue.scheduleTx();
            queue.scheduleRx();
        });
        LOG.info("{}: connected with {} queue(s)", this, queues.size());
    }

    /** A frontend key that makes connecting impossible. */
    private static final class FrontendError extends Exception {
        private static final long serialVersionUID = 1L;

        FrontendError(String message) {
            super(message);
        }
    }

    private boolean readFlag(String dir, String key) {
        String value = store.read(dir + "/" + key);
        return value != null && value.trim().equals("1");
    }

    private Optional<Integer> readNumber(String dir, String key) throws FrontendError {
        String value = store.read(dir + "/" + key);
        if (value == null) {
            return Optional.empty();
        }
        try {
            int number = Integer.parseInt(value.trim());
            if (number < 0) {
                throw new NumberFormatException();
            }
            return Optional.of(number);
        } catch (NumberFormatException e) {
            throw new FrontendError(dir + "/" + key + " is not a number: '" + value + "'");
        }
    }

    private int required(String dir, String key) throws FrontendError {
        return readNumber(dir, key).orElseThrow(() -> new FrontendError("reading " + dir + "/" + key));
    }

    private NetbackQueue.Vif queueView(Uplink.Sender sender) {
        return new NetbackQueue.Vif() {
            @Override
            public Domain dom0() {
                return dom0;
            }

            @Override
            public Domain guest() {
                return guest;
            }

            @Override
            public AtomicLong[] counters() {
                return counters;
            }

            @Override
            public void transmit(SimFrame frame) {
                sender.send(frame);
            }

            @Override
            public void fatal(String why) {
                SimNetback.this.fatal(why);
            }

            @Override
            public boolean frontendSg() {
                return frontendSg;
            }

            @Override
            public boolean frontendGso(int gsoType) {
                return gsoType == Netif.XEN_NETIF_GSO_TYPE_TCPV4 ? frontendGsoV4
                        : gsoType == Netif.XEN_NETIF_GSO_TYPE_TCPV6 && frontendGsoV6;
            }
        };
    }

    /** Fails the vif as netback's xenvif_fatal_tx_err / xenbus_dev_fatal do: error node, Closing, counted. */
    void fatal(String why) {
        LOG.warn("{}: fatal error: {}", this, why);
        store.write("/local/domain/0/error/backend/vif/" + guest.domid() + "/" + handle + "/error", "22 " + why);
        setState(XenbusState.CLOSING);
        fatalErrors.incrementAndGet();
    }

    private void disconnect() {
        active = List.of();
        boolean stopped = true;
        for (NetbackQueue queue : queues) {
            if (holdPagesAfterClose) {
                heldPages.addAll(queue.closeHoldingPages());
            } else {
                queue.close();
            }
            stopped &= queue.isStopped();
        }
        queues.clear();
        if (stopped) {
            for (Uplink.Sender sender : senders) {
                sender.close();
            }
        } // else a queue thread may still be sending: its sender's memory is left to the garbage collector
        senders.clear();
        uplink.disconnected();
    }

    /**
     * A fault for tests: from now on, when this backend disconnects (the frontend closes, the backend is
     * restarted or removed) it keeps the frontend's rings mapped and maps the receive buffers still posted,
     * as a backend that does not let go of the guest's pages; {@link #letGoOfPages} ends it.
     */
    public synchronized void holdPagesAfterClose() {
        holdPagesAfterClose = true;
    }

    /** Grant mappings kept by {@link #holdPagesAfterClose} after a disconnect. */
    public synchronized int pagesHeld() {
        return heldPages.size();
    }

    /** Ends the fault: every page kept mapped is unmapped, and disconnects unmap again. */
    public synchronized void letGoOfPages() {
        holdPagesAfterClose = false;
        for (GrantMapping mapping : heldPages) {
            mapping.close();
        }
        heldPages.clear();
    }

    /** The states a flapping backend ({@link #flapState}) goes through, in turn. */
    private static final XenbusState[] FLAPS = {XenbusState.CONNECTED, XenbusState.CLOSING, XenbusState.CLOSED,
        XenbusState.INIT_WAIT};

    /**
     * A fault for tests: the backend drops its connection and its state flips {@code flips} times, one every
     * {@code intervalMillis} (0: as fast as XenStore takes them), through Connected, Closing, Closed and
     * InitWait, as a backend whose hotplug or setup keeps failing; it maps nothing and follows no frontend
     * change meanwhile. Then it settles as a restarted backend: Closed, and InitWait once the frontend is
     * Initialising again.
     *
     * @return how many of the flips were to InitWait
     */
    public int flapState(int flips, long intervalMillis) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException(this + " is closed");
            }
            disconnect();
            flapping = true;
        }
        int initWaits = 0;
        try {
            // Not under the lock: the watch thread it would hold up serves every netback.
            for (int i = 0; i < flips; i++) {
                XenbusState state = FLAPS[i % FLAPS.length];
                setState(state);
                if (state == XenbusState.INIT_WAIT) {
                    initWaits++;
                }
                if (intervalMillis > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(intervalMillis * 1_000_000);
                }
            }
        } finally {
            synchronized (this) {
                flapping = false;
                if (!closed) {
                    setState(XenbusState.CLOSED);
                    frontendChanged();
                }
            }
        }
        return initWaits;
    }

    /** Frames taken from the guest and passed on (to the switch or the host interface). */
    public long framesFromGuest() {
        return counters[0].get();
    }

    /** Frames copied into the guest's buffers. */
    public long framesToGuest() {
        return counters[2].get();
    }

    /** Frames for the guest waiting in its queues for buffers (at most rx_queue_max bytes a queue). */
    public long pendingFramesToGuest() {
        return active.stream().mapToLong(NetbackQueue::pendingRxFrames).sum();
    }

    /** Frames for the guest that were dropped: not connected, no room, or the queue closed with them. */
    public long framesDropped() {
        return counters[3].get();
    }

    /**
     * Its counters themselves (frames from the guest, TX errors, frames to the guest, frames dropped), for the
     * toolstack's totals: read live, so that what a closing queue still counts adds up too.
     */
    AtomicLong[] liveCounters() {
        return counters;
    }

    @Override
    public void deliver(SimFrame frame) {
        List<NetbackQueue> current = active;
        if (current.isEmpty()) {
            counters[3].incrementAndGet();
            return;
        }
        int queues = current.size();
        // One queue: no flow to spread, so no hash over the frame's headers.
        current.get(queues == 1 ? 0 : Math.floorMod(flowHash(frame.data(), frame.length()), queues)).deliver(frame);
    }

    /** Spreads flows over queues as netback's queue selection does: addresses, and for IPv4 the IP flow. */
    static int flowHash(byte[] frame, int length) {
        int hash = 17;
        for (int i = 0; i < Math.min(12, length); i++) {
            hash = hash * 31 + frame[i];
        }
        boolean ipv4 = length >= 38 && (frame[12] & 0xff) == 0x08 && frame[13] == 0;
        if (ipv4) {
            for (int i = 26; i < 38; i++) {
                hash = hash * 31 + frame[i];
            }
        }
        return hash ^ (hash >>> 16);
    }

    /**
     * Makes queue {@code queue} lie as {@code fault} says (a test's or the
     * console's fault injection).
     *
     * @throws IllegalArgumentException when the vif has no such queue connected
     */
    public void inject(int queue, NetbackFault fault) {
        List<NetbackQueue> current = active;
        if (queue < 0 || queue >= current.size()) {
            throw new IllegalArgumentException(name() + " has no connected queue " + queue + " (it has "
                    + current.size() + ")");
        }
        current.get(queue).inject(fault);
    }

    /** Ends every queue's event storm. */
    public void calm() {
        active.forEach(NetbackQueue::calm);
    }

    /** Events sent by the storms of the connected queues. */
    public long stormEvents() {
        return active.stream().mapToLong(NetbackQueue::stormEvents).sum();
    }

    /** Faults the connected queues have written into the rings. */
    public long faultsWritten() {
        return active.stream().mapToLong(NetbackQueue::faultsWritten).sum();
    }

    public int queueCount() {
        return active.size();
    }

    /** Its host interface, when it runs with one rather than on the switch. */
    public Optional<HostInterface> hostInterface() {
        return uplink instanceof HostInterface host ? Optional.of(host) : Optional.empty();
    }

    public int guestDomid() {
        return guest.domid();
    }

    public int handle() {
        return handle;
    }

    @Override
    public String name() {
        return "vif" + guest.domid() + "." + handle;
    }

    @Override
    public String toString() {
        return "sim netback " + name();
    }

    /** Stops the backend: its queues and watch end, it leaves the switch or its host interface goes. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            disconnect();
        }
        uplink.close();
        try {
            frontendWatch.close();
        } catch (Exception e) {
            LOG.debug("closing the frontend watch", e);
        }
    }
}
