package org.xenpv.netfront.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.abi.xs.XsError;
import org.xenpv.evtchn.EventChannels;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.gnttab.Revocation;
import org.xenpv.net.MacAddress;
import org.xenpv.net.Nic;
import org.xenpv.xenbus.BackendStateListener;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

/**
 * The frontend of one vif: the XenbusState handshake with its backend, the
 * queues while connected, and the Nic. Everything that touches XenStore or
 * waits on the backend runs on the device's own thread, driven by the
 * backend's state; the methods callers use ({@link #start}, {@link #beginClose})
 * only hand work to that thread and return.
 */
final class NetfrontDevice {
    private static final Logger LOG = LoggerFactory.getLogger(NetfrontDevice.class);
    private static final int DEFAULT_MTU = 1500;
    /** The first pause before trying a failed connection again; it doubles per failure up to the cap. */
    static final long FIRST_RETRY_MILLIS = 250;
    static final long MAX_RETRY_MILLIS = 30_000;

    /** Publishes the Nic while the device is usable. */
    interface Publisher {
        AutoCloseable publish(Nic nic, Map<String, Object> properties);
    }

    private enum Phase { IDLE, CONNECTING, CONNECTED, BROKEN, CLOSED }

    private final XenBusDevice device;
    private final XenStore store;
    private final GrantTable grants;
    private final EventChannels events;
    private final NetfrontConfig config;
    private final Publisher publisher;
    private final ScheduledThreadPoolExecutor thread;
    /** This vif's earlier queues whose pages the backend still maps. */
    private final HeldByBackend heldByBackend;
    /** Completes when the device is closed and its thread has ended. */
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final List<NetfrontQueue> queues = new ArrayList<>();
    /** Guards starting the Nic's queues against {@link #beginClose} stopping them from another thread. */
    private final Object dataPath = new Object();
    private boolean closing;
    /** A step towards what the backend's state asks for, read when it runs; one queued at a time. */
    private final CoalescedRun reconciliation = new CoalescedRun(this::execute, this::reconcile);
    /** Made on the device's thread once the vif's MAC address is read; null before. */
    private volatile NetfrontNic nic;
    // Confined to the device's thread:
    private XenBusDevice.DriverBinding binding;
    private AutoCloseable backendObservation;
    private AutoCloseable publication;
    private Phase phase = Phase.IDLE;
    private Negotiated agreed;
    private int failedAttempts;
    private long retryNotBefore;

    NetfrontDevice(XenBusDevice device, XenStore store, GrantTable grants, EventChannels events,
            NetfrontConfig config, Publisher publisher, HeldByBackend heldByBackend) {
        this.device = device;
        this.heldByBackend = heldByBackend;
        this.store = store;
        this.grants = grants;
        this.events = events;
        this.config = config;
        this.publisher = publisher;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> new Thread(r, "xenpv-netfront-" + device.busId())) {
            @Override
            protected void terminated() {
                closed.complete(null);
            }
        };
        // A retry pending when the device closes is dropped, not run after the close.
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    private static MacAddress parseMac(String text) {
        try {
            return MacAddress.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Integer parseMtu(String text) {
        try {
            int mtu = Integer.parseInt(text.trim());
            return mtu >= 68 && mtu <= 65535 - 14 ? mtu : DEFAULT_MTU;
        } catch (NumberFormatException e) {
            return DEFAULT_MTU;
        }
    }

    /** The vif's Nic; null until the device's thread has read the vif's MAC address. */
    NetfrontNic nic() {
        return nic;
    }

    /**
     * Starts following the backend, once any earlier driver of this vif (a previous bundle version still
     * closing it) has let go. Returns at once.
     */
    void start() {
        device.bindDriver().thenAccept(bound -> {
            if (!execute(() -> open(bound))) {
                bound.close(); // closed before it started: let the next driver in
            }
        });
    }

    /** Runs {@code step} on the device's thread; false when the device is closing. */
    private boolean execute(Runnable step) {
        try {
            thread.execute(guarded(step));
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private Runnable guarded(Runnable step) {
        return () -> {
            try {
                step.run();
            } catch (RuntimeException e) {
                LOG.error("{}: unexpected failure", device.busId(), e);
            }
        };
    }

    /** Reads what the toolstack set for the vif, makes its Nic and starts following the backend. */
    private void open(XenBusDevice.DriverBinding bound) {
        binding = bound;
        if (phase == Phase.CLOSED) {
            return;
        }
        try {
            MacAddress mac = device.read(Netif.Keys.MAC).map(NetfrontDevice::parseMac).orElse(null);
            if (mac == null) {
                // Nothing to retry: the toolstack has to give the vif an address, which makes it a new device.
                LOG.error("{}: cannot drive it: the toolstack gave the vif no valid MAC address", device.busId());
                writeError(XsError.EINVAL.errno(), "netfront: no valid mac");
                return;
            }
            int mtu = device.read(Netif.Keys.MTU).map(NetfrontDevice::parseMtu).orElse(DEFAULT_MTU);
            nic = new NetfrontNic(device.busId(), mac, mtu, device.backendDomid(), () -> execute(this::onBroken));
            claim();
            // The state told is not used: it was read on the watch thread, possibly before a step of this
            // thread changed what the backend does next; reconcile reads the state when it acts on it.
            backendObservation = device.observeBackendState(new BackendStateListener() {
                @Override
                public void backendState(XenbusState state) {
                    reconciliation.request();
                }

                @Override
                public void backendStateUnreadable(XenStoreException cause) {
                    // reconcile reads it again, and on failure looks again after a pause
                    reconciliation.request();
                }
            });
        } catch (XenStoreException e) {
            LOG.error("{}: cannot drive it: {}", device.busId(), e.getMessage());
        }
    }

    /** Takes the device over: a frontend left Closed (by us or the kernel) asks the backend to start again. */
    private void claim() {
        try {
            if (device.state() != XenbusState.INITIALISING && backendOnline()) {
                switchState(XenbusState.INITIALISING);
            }
        } catch (XenStoreException e) {
            LOG.warn("{}: cannot claim the device: {}", device.busId(), e.getMessage());
        }
    }

    private boolean backendOnline() throws XenStoreException {
        return device.readBackend(Netif.Keys.ONLINE).map(v -> v.trim().equals("1")).orElse(false);
    }

    /** Whether the frontend directory still exists and still names this device's backend. */
    private boolean frontendStillOurs() throws XenStoreException {
        return device.read(Netif.Keys.BACKEND).map(backend -> backend.trim().equals(device.backendPath())).orElse(false);
    }

    private void switchState(XenbusState state) throws XenStoreException {
        if (store.exists(device.nodePath())) {
            device.switchState(state);
        }
    }

    /** One step towards what the backend's state asks for, read now. */
    private void reconcile() {
        try {
            XenbusState backend = device.backendState();
            switch (phase) {
                case IDLE:
                    if (backend == XenbusState.INIT_WAIT) {
                        if (System.nanoTime() - retryNotBefore < 0) {
                            break; // a failed attempt's pause: its scheduled retry comes back here
                        }
                        if (device.state() != XenbusState.INITIALISING) {
                            switchState(XenbusState.INITIALISING);
                        }
                        connect();
                    } else if (backend == XenbusState.CLOSED && backendOnline()
                            && device.state() != XenbusState.INITIALISING) {
                        switchState(XenbusState.INITIALISING);
                    } else if (backend == XenbusState.CONNECTED || backend == XenbusState.CLOSING) {
                        // A backend still tied to an earlier frontend: let it finish closing.
                        switchState(XenbusState.CLOSED);
                    }
                    break;
                case CONNECTING:
                    if (backend == XenbusState.UNKNOWN && !store.exists(device.backendPath())) {
                        backendVanished();
                    } else if (backend == XenbusState.CONNECTED) {
                        activate();
                    } else if (backend != XenbusState.INIT_WAIT && backend != XenbusState.INITIALISED) {
                        teardown("the backend went " + backend + " while connecting");
                        reconcile();
                    }
                    break;
                case CONNECTED:
                    if (backend == XenbusState.UNKNOWN && !store.exists(device.backendPath())) {
                        backendVanished();
                    } else if (backend != XenbusState.CONNECTED) {
                        teardown("the backend went " + backend);
                        reconcile();
                    }
                    break;
                default:
                    break;
            }
        } catch (XenStoreException e) {
            // No watch may fire again (a XenStore that stopped answering held it): look again after a pause.
            long pause = retryLater();
            nic.handshakeFailed();
            if (failedAttempts == 1) {
                LOG.warn("{}: XenStore failed during the handshake: {}; looking again in {} ms", device.busId(),
                        e.getMessage(), pause);
            } else {
                LOG.debug("{}: XenStore failed again ({} times): {}", device.busId(), failedAttempts, e.getMessage());
            }
        }
    }

    /** Schedules the next step after a pause that doubles per failure; returns the pause. */
    private long retryLater() {
        long pause = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(failedAttempts, 16));
        failedAttempts++;
        retryNotBefore = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause);
        try {
            thread.schedule(guarded(this::reconcile), pause, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // the device is closing: no retry
        }
        return pause;
    }

    /**
     * Reads the backend's offer, builds the queues, writes the frontend's keys, goes Connected. A step
     * that fails undoes what the earlier ones made (as Linux's talk_to_netback unwinds), reports the
     * failure in the device's error node, and the device tries again after a pause.
     */
    private void connect() {
        if (!queues.isEmpty()) {
            // A teardown that XenStore cut short left them; a second set beside them would be granted too.
            releaseQueues();
        }
        int held = heldByBackend.pages();
        if (held > 0) {
            // A backend that never lets go would otherwise get a fresh set at every reconnection.
            goBroken("the backend still maps " + held + " pages of an earlier connection; no new set is granted");
            return;
        }
        nic.connectAttempted();
        String step = "reading the backend's features";
        Negotiated offer;
        try {
            if (!device.backendFeature("rx-copy")) {
                nic.broken("the backend does not offer feature-rx-copy, the only receive mode supported");
                return;
            }
            boolean trusted = device.read(Netif.Keys.TRUSTED).map(v -> !v.trim().equals("0")).orElse(true);
            Optional<Integer> backendMax = device.readBackendInt(Netif.Keys.MULTI_QUEUE_MAX_QUEUES);
            int queueCount = Math.max(1, Math.min(backendMax.orElse(1), config.maxQueues()));
            offer = new Negotiated(device.backendFeature("sg"), device.backendFeature("gso-tcpv4"),
                    device.backendFeature("gso-tcpv6"), device.backendFeature("ipv6-csum-offload"),
                    device.backendFeature("split-event-channels"), queueCount, trusted);
            step = "allocating queues";
            for (int q = 0; q < queueCount; q++) {
                queues.add(new NetfrontQueue(q, "xenpv-netfront-" + device.busId() + "-q" + q, device.backendDomid(),
                        grants, events, offer, config, nic.counters(q), nic));
            }
            step = "writing the handshake";
            writeHandshake(queueCount, backendMax.isPresent());
            step = "switching to Connected";
            switchState(XenbusState.CONNECTED);
        } catch (IOException | RuntimeException e) {
            connectFailed(step, e);
            return;
        }
        failedAttempts = 0;
        phase = Phase.CONNECTING;
        agreed = offer;
        LOG.info("{}: handshake written ({} queue(s), {}), waiting for the backend", device.busId(), offer.queues(),
                offer.names());
        reconcile();
    }

    /** The frontend's keys, all in one transaction so that the backend sees all or none. */
    private void writeHandshake(int queueCount, boolean multiQueue) throws XenStoreException {
        String node = device.nodePath();
        store.inTransaction(tx -> {
            if (multiQueue) {
                tx.write(node + "/" + Netif.Keys.MULTI_QUEUE_NUM_QUEUES, Integer.toString(queueCount));
            }
            for (NetfrontQueue queue : queues) {
                queue.writeKeys(tx, queueCount == 1 ? node : node + "/" + Netif.Keys.queueDirectory(queue.index()));
            }
            tx.write(node + "/" + Netif.Keys.REQUEST_RX_COPY, "1");
            tx.write(node + "/" + Netif.Keys.FEATURE_RX_NOTIFY, "1");
            tx.write(node + "/" + Netif.Keys.FEATURE_SG, "1");
            tx.write(node + "/" + Netif.Keys.FEATURE_GSO_TCPV4, "1");
            tx.write(node + "/" + Netif.Keys.FEATURE_GSO_TCPV6, "1");
            tx.write(node + "/" + Netif.Keys.FEATURE_IPV6_CSUM_OFFLOAD, "1");
            return null;
        });
    }

    private void connectFailed(String step, Exception e) {
        releaseQueues();
        int errno = e instanceof XenStoreException failure ? failure.error().errno()
                : e instanceof IOException ? XsError.ENOMEM.errno() : XsError.EINVAL.errno();
        writeError(errno, "netfront: " + step + ": " + e.getMessage());
        nic.handshakeFailed();
        long pause = retryLater();
        if (failedAttempts == 1) {
            LOG.error("{}: connecting failed while {}: {}; trying again in {} ms", device.busId(), step,
                    e.getMessage(), pause);
        } else {
            LOG.debug("{}: connecting failed again ({} times) while {}: {}", device.busId(), failedAttempts, step,
                    e.getMessage());
        }
    }

    /** Reports a failure where the toolstack looks (error/device/vif/N/error, as Linux's xenbus_dev_error). */
    private void writeError(int errno, String message) {
        try {
            device.writeError(errno, message);
        } catch (XenStoreException e) {
            LOG.debug("{}: writing the error node: {}", device.busId(), e.getMessage());
        }
    }

    private void activate() {
        phase = Phase.CONNECTED;
        synchronized (dataPath) {
            if (closing) {
                return; // the close queued behind this step releases the queues
            }
            nic.connected(queues.toArray(NetfrontQueue[]::new), agreed);
        }
        if (publication == null) {
            Map<String, Object> properties = new HashMap<>();
            properties.put(Nic.PROPERTY_DEVICE, device.busId());
            properties.put(Nic.PROPERTY_MAC, nic.macAddress().toString());
            properties.put(Nic.PROPERTY_BACKEND_DOMID, device.backendDomid());
            publication = publisher.publish(nic, properties);
        }
        LOG.info("{}: connected, {} {}", device.busId(), nic.macAddress(), nic.state());
    }

    /**
     * Leaves the connection: the Nic stops, the frontend goes Closed so that
     * the backend unmaps the rings, and once it has (or the close timeout
     * passed) the grants and ports go.
     */
    private void teardown(String why) throws XenStoreException {
        LOG.info("{}: disconnecting: {}", device.busId(), why);
        withdraw();
        nic.disconnected();
        phase = Phase.IDLE;
        switchState(XenbusState.CLOSED);
        boolean letGo = awaitBackendLetGo();
        Revocation outcome = releaseQueues();
        if (outcome == Revocation.DEFERRED) {
            goBroken("the backend still maps " + heldByBackend.pages() + " pages after it closed");
        } else if (outcome == Revocation.UNKNOWN && !letGo) {
            // The platform cannot tell (Linux's gntalloc); a backend that did not even close may well still map
            // the pages, and reconnecting would hand it a new set.
            goBroken("the backend did not close within " + config.closeTimeoutMillis()
                    + " ms and the platform cannot tell whether it still maps the rings");
        }
    }

    /**
     * The backend's directory went away without the backend closing first (a driver domain that died, a
     * toolstack that removed it without unplugging): nothing will ever answer on these rings, and no
     * backend will come to take the device up again. The device stays, DOWN with the reason, so that the
     * user sees why; its queues are released (and held while something still maps them).
     */
    private void backendVanished() throws XenStoreException {
        goBroken("the backend vanished: " + device.backendPath() + " was removed without closing");
        switchState(XenbusState.CLOSED);
        releaseQueues();
    }

    /** Marks the device broken now, on its thread, so that the reconciliation that follows does not reconnect. */
    private void goBroken(String reason) {
        nic.broken(reason); // which logs it, once
        phase = Phase.BROKEN;
        nic.disconnected();
    }

    /**
     * Waits until the backend no longer uses the rings: it is Closed, gone, or a new one waits in InitWait.
     *
     * @return false when it did not within the close timeout
     */
    private boolean awaitBackendLetGo() throws XenStoreException {
        if (queues.isEmpty()) {
            return true;
        }
        try {
            device.awaitBackendState(EnumSet.of(XenbusState.CLOSED, XenbusState.UNKNOWN, XenbusState.INIT_WAIT),
                    Duration.ofMillis(config.closeTimeoutMillis()));
            return true;
        } catch (TimeoutException e) {
            LOG.warn("{}: the backend did not close within {} ms", device.busId(), config.closeTimeoutMillis());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void withdraw() {
        if (publication != null) {
            try {
                publication.close();
            } catch (Exception e) {
                LOG.debug("withdrawing the Nic", e);
            }
            publication = null;
        }
    }

    /**
     * Releases the queues; those whose pages the backend still maps are kept in {@link #heldByBackend}.
     *
     * @return the least certain outcome of their revocations
     */
    private Revocation releaseQueues() {
        Revocation outcome = Revocation.ENDED;
        for (NetfrontQueue queue : queues) {
            try {
                Revocation released = queue.release();
                if (released == Revocation.DEFERRED) {
                    heldByBackend.add(queue);
                    LOG.debug("{}: the backend still maps pages of queue {} after it closed; they stay held",
                            device.busId(), queue.index());
                }
                outcome = outcome.and(released);
            } catch (IllegalStateException e) {
                // A bundle stop can release the grant table before this closing thread gets here; the grant
                // table then revoked the rings itself (deferred while the backend still maps them).
                LOG.debug("{}: queue {} was released with the grant table: {}", device.busId(), queue.index(),
                        e.getMessage());
            }
        }
        queues.clear();
        return outcome;
    }

    private void onBroken() {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.BROKEN;
        nic.disconnected();
        writeError(71, "netfront: " + nic.brokenReason().orElse("protocol error"));
    }

    /**
     * Starts closing in order and returns: on the device's thread the Nic
     * stops, the frontend goes Closing, the backend is given time to unmap,
     * then grants and ports are released, the frontend is Closed and the
     * thread ends.
     *
     * @return completes once all of that is done
     */
    CompletionStage<Void> beginClose() {
        synchronized (dataPath) {
            closing = true;
            NetfrontNic current = nic;
            if (current != null) {
                // The data path stops now, in memory: a bundle stop releases the bundle's grant table and
                // event channels as soon as this returns, and no frame may be sent on them after that.
                current.disconnected();
            }
        }
        execute(this::closeOnThread);
        thread.shutdown();
        return closed;
    }

    private void closeOnThread() {
        try {
            closeHandshake();
        } finally {
            phase = Phase.CLOSED;
            if (binding != null) {
                binding.close();
            }
        }
    }

    private void closeHandshake() {
        if (nic == null) {
            return; // never opened: nothing made, nothing to close
        }
        try {
            if (backendObservation != null) {
                backendObservation.close();
            }
        } catch (Exception e) {
            LOG.debug("closing the backend observation", e);
        }
        withdraw();
        nic.disconnected();
        try {
            if (!frontendStillOurs()) {
                // After a restore or migration the frontend directory names a new backend and belongs to
                // the device that drives it: closing this one writes nothing there.
                releaseQueues();
                LOG.info("{}: the frontend directory no longer names backend {}; released without writing there",
                        device.busId(), device.backendPath());
                return;
            }
            if (!queues.isEmpty()) {
                switchState(XenbusState.CLOSING);
                try {
                    device.awaitBackendState(EnumSet.of(XenbusState.CLOSING, XenbusState.CLOSED,
                            XenbusState.UNKNOWN), Duration.ofMillis(config.closeTimeoutMillis()));
                } catch (TimeoutException e) {
                    LOG.warn("{}: the backend did not close within {} ms", device.busId(), config.closeTimeoutMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (releaseQueues() == Revocation.DEFERRED) {
                nic.broken("the backend still maps " + heldByBackend.pages() + " pages after it closed");
            }
            switchState(XenbusState.CLOSED);
            handBack();
        } catch (XenStoreException e) {
            releaseQueues();
            LOG.debug("{}: XenStore failed while closing: {}", device.busId(), e.getMessage());
        }
    }

    /**
     * Leaves a vif whose backend stays online as the toolstack made it: frontend Initialising, the
     * backend back in InitWait. The guest kernel's xen-netfront can then take it; that driver still
     * believes the device Initialising, so it would never write the state itself and would wait for a
     * Closed backend forever.
     */
    private void handBack() throws XenStoreException {
        if (!store.exists(device.nodePath()) || !backendOnline()) {
            return;
        }
        try {
            device.awaitBackendState(EnumSet.of(XenbusState.CLOSED), Duration.ofMillis(config.closeTimeoutMillis()));
        } catch (TimeoutException e) {
            LOG.warn("{}: the backend did not close within {} ms; left Closed", device.busId(),
                    config.closeTimeoutMillis());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        switchState(XenbusState.INITIALISING);
    }

    @Override
    public String toString() {
        return "netfront " + device.busId() + " (" + phase + ")";
    }
}
