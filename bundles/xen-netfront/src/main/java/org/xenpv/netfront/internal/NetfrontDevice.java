package org.xenpv.netfront.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.evtchn.EventChannels;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.net.MacAddress;
import org.xenpv.net.Nic;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

/**
 * The frontend of one vif: the XenbusState handshake with its backend, the
 * queues while connected, and the Nic. All state changes run on the device's
 * own thread, driven by the backend's state.
 */
public final class NetfrontDevice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NetfrontDevice.class);
    private static final int DEFAULT_MTU = 1500;

    /** Publishes the Nic while the device is usable. */
    public interface Publisher {
        AutoCloseable publish(Nic nic, Map<String, Object> properties);
    }

    private enum Phase { IDLE, CONNECTING, CONNECTED, BROKEN, CLOSED }

    private final XenBusDevice device;
    private final XenStore store;
    private final GrantTable grants;
    private final EventChannels events;
    private final NetfrontConfig config;
    private final Publisher publisher;
    private final ExecutorService thread;
    private final NetfrontNic nic;
    private final List<NetfrontQueue> queues = new ArrayList<>();
    private AutoCloseable backendObservation;
    private AutoCloseable publication;
    private Phase phase = Phase.IDLE;
    private Negotiated agreed;

    NetfrontDevice(XenBusDevice device, XenStore store, GrantTable grants, EventChannels events,
            NetfrontConfig config, Publisher publisher) throws XenStoreException {
        this.device = device;
        this.store = store;
        this.grants = grants;
        this.events = events;
        this.config = config;
        this.publisher = publisher;
        this.thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "xenpv-netfront-" + device.busId()));
        MacAddress mac = device.read(Netif.Keys.MAC).map(NetfrontDevice::parseMac).orElseThrow(
                () -> new XenStoreException(org.xenpv.abi.xs.XsError.EINVAL, "read", device.nodePath() + "/mac",
                        "the toolstack gave the vif no valid MAC address"));
        int mtu = device.read(Netif.Keys.MTU).map(NetfrontDevice::parseMtu).orElse(DEFAULT_MTU);
        this.nic = new NetfrontNic(device.busId(), mac, mtu, device.backendDomid(),
                () -> execute(this::onBroken));
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

    NetfrontNic nic() {
        return nic;
    }

    /** Starts following the backend. */
    void start() throws XenStoreException {
        execute(this::claim);
        backendObservation = device.observeBackendState(state -> execute(this::reconcile));
    }

    private void execute(Runnable step) {
        if (!thread.isShutdown()) {
            try {
                thread.execute(() -> {
                    try {
                        step.run();
                    } catch (RuntimeException e) {
                        LOG.error("{}: unexpected failure", device.busId(), e);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
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

    private void switchState(XenbusState state) throws XenStoreException {
        if (store.exists(device.nodePath())) {
            device.switchState(state);
        }
    }

    /** One step towards what the backend's state asks for. */
    private void reconcile() {
        try {
            XenbusState backend = device.backendState();
            switch (phase) {
                case IDLE:
                    if (backend == XenbusState.INIT_WAIT) {
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
                    if (backend == XenbusState.CONNECTED) {
                        activate();
                    } else if (backend != XenbusState.INIT_WAIT && backend != XenbusState.INITIALISED) {
                        teardown("the backend went " + backend + " while connecting");
                        reconcile();
                    }
                    break;
                case CONNECTED:
                    if (backend != XenbusState.CONNECTED) {
                        teardown("the backend went " + backend);
                        reconcile();
                    }
                    break;
                default:
                    break;
            }
        } catch (XenStoreException e) {
            LOG.warn("{}: XenStore failed during the handshake: {}", device.busId(), e.getMessage());
        }
    }

    /** Reads the backend's offer, builds the queues, writes the frontend's keys, goes Connected. */
    private void connect() throws XenStoreException {
        if (!device.backendFeature("rx-copy")) {
            nic.broken("the backend does not offer feature-rx-copy, the only receive mode supported");
            return;
        }
        boolean trusted = device.read(Netif.Keys.TRUSTED).map(v -> !v.trim().equals("0")).orElse(true);
        int backendMax = device.readBackendInt(Netif.Keys.MULTI_QUEUE_MAX_QUEUES).orElse(1);
        int queueCount = Math.max(1, Math.min(backendMax, config.maxQueues()));
        Negotiated agreed = new Negotiated(device.backendFeature("sg"), device.backendFeature("gso-tcpv4"),
                device.backendFeature("gso-tcpv6"), device.backendFeature("ipv6-csum-offload"),
                device.backendFeature("split-event-channels"), queueCount, trusted);
        try {
            for (int q = 0; q < queueCount; q++) {
                queues.add(new NetfrontQueue(q, "xenpv-netfront-" + device.busId() + "-q" + q, device.backendDomid(),
                        grants, events, agreed, config.txBuffers(), config.rxBuffers(), nic.counters(q), nic));
            }
        } catch (IOException e) {
            LOG.error("{}: cannot set up its queues: {}", device.busId(), e.getMessage());
            releaseQueues();
            device.writeError(12, "allocating queues: " + e.getMessage());
            return;
        }
        String node = device.nodePath();
        boolean multiQueue = device.readBackend(Netif.Keys.MULTI_QUEUE_MAX_QUEUES).isPresent();
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
        phase = Phase.CONNECTING;
        this.agreed = agreed;
        switchState(XenbusState.CONNECTED);
        LOG.info("{}: handshake written ({} queue(s), {}), waiting for the backend", device.busId(), queueCount,
                agreed.names());
        reconcile();
    }

    private void activate() {
        phase = Phase.CONNECTED;
        nic.connected(queues.toArray(NetfrontQueue[]::new), agreed);
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
        awaitBackendLetGo();
        releaseQueues();
    }

    /** Waits until the backend no longer uses the rings: it is Closed, gone, or a new one waits in InitWait. */
    private void awaitBackendLetGo() throws XenStoreException {
        if (queues.isEmpty()) {
            return;
        }
        try {
            device.awaitBackendState(EnumSet.of(XenbusState.CLOSED, XenbusState.UNKNOWN, XenbusState.INIT_WAIT),
                    Duration.ofMillis(config.closeTimeoutMillis()));
        } catch (TimeoutException e) {
            LOG.warn("{}: the backend did not close within {} ms", device.busId(), config.closeTimeoutMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    private void releaseQueues() {
        for (NetfrontQueue queue : queues) {
            if (!queue.release()) {
                nic.broken("the backend still maps a ring of queue " + queue.index() + " after it closed");
            }
        }
        queues.clear();
    }

    private void onBroken() {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.BROKEN;
        nic.disconnected();
        try {
            device.writeError(71, "netfront: " + nic.brokenReason().orElse("protocol error"));
        } catch (XenStoreException e) {
            LOG.debug("writing the error node", e);
        }
    }

    /**
     * Closes in order: the Nic stops, the frontend goes Closing, the backend
     * is given time to unmap, then grants and ports are released and the
     * frontend is Closed.
     */
    @Override
    public void close() {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        execute(() -> {
            try {
                closeOnThread();
            } finally {
                done.complete(null);
            }
        });
        try {
            done.get(config.closeTimeoutMillis() * 2 + 1_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("{}: close did not finish in time: {}", device.busId(), e.toString());
        }
        thread.shutdown();
        try {
            thread.awaitTermination(config.closeTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeOnThread() {
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
            if (!queues.isEmpty() && store.exists(device.nodePath())) {
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
            releaseQueues();
            switchState(XenbusState.CLOSED);
            handBack();
        } catch (XenStoreException e) {
            releaseQueues();
            LOG.debug("{}: XenStore failed while closing: {}", device.busId(), e.getMessage());
        }
        phase = Phase.CLOSED;
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
