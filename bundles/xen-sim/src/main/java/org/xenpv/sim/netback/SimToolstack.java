package org.xenpv.sim.netback;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorException;
import org.xenpv.sim.xenstore.Dom0Watches;
import org.xenpv.sim.xenstore.XenStoreServer;

/**
 * The simulated toolstack (what libxl does for vifs): creates guests and adds
 * and removes their vifs at run time, writing the backend and frontend
 * directories with libxl's permissions, and starts a netback for each vif.
 * A netback's other side is a port on the switch, or with
 * {@link HostInterfaces} its own host interface, as on a real Xen host.
 */
public final class SimToolstack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SimToolstack.class);

    /** One vif as the toolstack knows it. */
    public record Vif(int guestDomid, int handle, String mac, SimNetback backend) {
    }

    private final Hypervisor hypervisor;
    private final XenStoreServer store;
    private final SimSwitch fabric;
    private final HostInterfaces hostInterfaces;
    private final Dom0Watches watches;
    private final long unplugTimeoutMillis;
    private final AtomicLong fatalErrors = new AtomicLong();
    private final Map<String, Vif> vifs = new ConcurrentHashMap<>();
    /**
     * The counters of backends removed or replaced by a restart, so that totals since start stay whole: four
     * longs a backend, few enough to keep for the simulator's life. Guarded by itself, with the moves of
     * backends in and out of {@link #vifs}, so that totals count each backend once.
     */
    private final List<AtomicLong[]> retiredCounters = new ArrayList<>();

    /** A toolstack whose vifs meet on {@code fabric}. */
    public SimToolstack(Hypervisor hypervisor, XenStoreServer store, SimSwitch fabric, long unplugTimeoutMillis) {
        this(hypervisor, store, fabric, unplugTimeoutMillis, HostInterfaces.OFF);
    }

    /**
     * A toolstack whose vifs meet on {@code fabric}, or, when
     * {@code hostInterfaces} are enabled, each have a host interface (and the
     * switch is left to other ports).
     */
    public SimToolstack(Hypervisor hypervisor, XenStoreServer store, SimSwitch fabric, long unplugTimeoutMillis,
            HostInterfaces hostInterfaces) {
        this.hypervisor = hypervisor;
        this.store = store;
        this.fabric = fabric;
        this.hostInterfaces = hostInterfaces;
        this.unplugTimeoutMillis = unplugTimeoutMillis;
        this.watches = new Dom0Watches(store, "xenpv-sim-toolstack");
    }

    /** Creates a domain with its XenStore home: its own directory, its id and name readable to it. */
    public Domain createDomain(int domid, String name) throws HypervisorException {
        Domain domain = hypervisor.createDomain(domid, name);
        String home = "/local/domain/" + domid;
        store.write(home, "", "n" + domid);
        store.write(home + "/domid", Integer.toString(domid), "n0", "r" + domid);
        store.write(home + "/name", name, "n0", "r" + domid);
        if (domid != 0) {
            store.write(home + "/device", "", "n" + domid);
        }
        store.introduceDomain(domid);
        return domain;
    }

    /** Destroys a guest: its vifs go without waiting for it, then the domain. */
    public void destroyDomain(int domid) throws HypervisorException {
        for (Vif vif : List.copyOf(vifs.values())) {
            if (vif.guestDomid() == domid) {
                forget(vif);
            }
        }
        hypervisor.destroyDomain(domid);
        store.remove("/local/domain/" + domid);
        store.releaseDomain(domid);
    }

    /**
     * Adds a vif to a running guest as libxl does; its netback starts and waits
     * in InitWait for a frontend.
     *
     * @return the vif, with the first free handle
     */
    public synchronized Vif addVif(int guestDomid, NetbackFeatures features, boolean trusted)
            throws HypervisorException {
        Domain guest = hypervisor.domain(guestDomid)
                .orElseThrow(() -> new IllegalArgumentException("no domain " + guestDomid));
        Domain dom0 = hypervisor.domain(0).orElseThrow(() -> new IllegalStateException("no dom0"));
        int handle = 0;
        while (vifs.containsKey(key(guestDomid, handle)) || !store.directory(
                SimNetback.frontendPath(guestDomid, handle)).isEmpty()) {
            handle++;
        }
        String mac = String.format("00:16:3e:%02x:%02x:%02x", guestDomid >> 8 & 0xff, guestDomid & 0xff, handle);
        String backend = SimNetback.backendPath(guestDomid, handle);
        String frontend = SimNetback.frontendPath(guestDomid, handle);
        String dom0Only = "n0";
        String guestReads = "r" + guestDomid;
        store.write(backend, "", dom0Only, guestReads);
        store.write(backend + "/" + Netif.Keys.FRONTEND, frontend, dom0Only, guestReads);
        store.write(backend + "/" + Netif.Keys.FRONTEND_ID, Integer.toString(guestDomid), dom0Only, guestReads);
        store.write(backend + "/" + Netif.Keys.ONLINE, "1", dom0Only, guestReads);
        store.write(backend + "/" + Netif.Keys.MAC, mac, dom0Only, guestReads);
        store.write(backend + "/" + Netif.Keys.HANDLE, Integer.toString(handle), dom0Only, guestReads);
        String bridge = hostInterfaces.enabled() ? hostInterfaces.bridge() : "sim-switch";
        if (!bridge.isEmpty()) {
            store.write(backend + "/" + Netif.Keys.BRIDGE, bridge, dom0Only, guestReads);
        }
        store.write(backend + "/" + Netif.Keys.STATE, Integer.toString(XenbusState.INITIALISING.code()), dom0Only,
                guestReads);

        String guestOwns = "n" + guestDomid;
        String backendReads = "r0";
        store.write(frontend, "", guestOwns, backendReads);
        store.write(frontend + "/" + Netif.Keys.BACKEND_ID, "0", guestOwns, backendReads);
        store.write(frontend + "/" + Netif.Keys.MAC, mac, guestOwns, backendReads);
        store.write(frontend + "/" + Netif.Keys.HANDLE, Integer.toString(handle), guestOwns, backendReads);
        store.write(frontend + "/" + Netif.Keys.TRUSTED, trusted ? "1" : "0", guestOwns, backendReads);
        store.write(frontend + "/" + Netif.Keys.STATE, Integer.toString(XenbusState.INITIALISING.code()), guestOwns,
                backendReads);
        SimNetback netback = new SimNetback(dom0, guest, handle, store, watches, this::uplink, features,
                fatalErrors);
        // backend last: the frontend's bus publishes the device once it names its backend.
        store.write(frontend + "/" + Netif.Keys.BACKEND, backend, guestOwns, backendReads);
        Vif vif = new Vif(guestDomid, handle, mac, netback);
        vifs.put(key(guestDomid, handle), vif);
        LOG.info("vif {}.{} added (mac {})", guestDomid, handle, mac);
        return vif;
    }

    /**
     * Hot-unplugs a vif as libxl does: the backend goes offline and Closing;
     * once the frontend has closed (or the timeout passed) both directories are
     * removed and the netback stops.
     */
    public CompletableFuture<Void> removeVif(int guestDomid, int handle) {
        Vif vif = vifs.get(key(guestDomid, handle));
        if (vif == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "guest " + guestDomid + " has no vif " + handle));
        }
        String backend = SimNetback.backendPath(guestDomid, handle);
        store.write(backend + "/" + Netif.Keys.ONLINE, "0");
        store.write(backend + "/" + Netif.Keys.STATE, Integer.toString(XenbusState.CLOSING.code()));
        CompletableFuture<Void> closed = new CompletableFuture<>();
        AutoCloseable watch = watches.watch(SimNetback.frontendPath(guestDomid, handle) + "/" + Netif.Keys.STATE,
                path -> {
                    String state = store.read(SimNetback.frontendPath(guestDomid, handle) + "/" + Netif.Keys.STATE);
                    if (state == null || state.trim().equals(Integer.toString(XenbusState.CLOSED.code()))) {
                        closed.complete(null);
                    }
                });
        return closed.orTimeout(unplugTimeoutMillis, TimeUnit.MILLISECONDS).handle((ok, timeout) -> {
            if (timeout != null) {
                LOG.warn("vif {}.{}: the frontend did not close within {} ms; removing it anyway", guestDomid,
                        handle, unplugTimeoutMillis);
            }
            try {
                watch.close();
            } catch (Exception e) {
                LOG.debug("closing the unplug watch", e);
            }
            forget(vif);
            return null;
        });
    }

    /**
     * Restarts a vif's backend, as after a migration or a netback reload: the
     * old backend disconnects and goes Closed; once the frontend has let go
     * (Closed, or Initialising again) a new backend offers InitWait.
     */
    public CompletableFuture<Vif> restartBackend(int guestDomid, int handle, NetbackFeatures features) {
        Vif old = vifs.get(key(guestDomid, handle));
        if (old == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "guest " + guestDomid + " has no vif " + handle));
        }
        old.backend().close();
        String backend = SimNetback.backendPath(guestDomid, handle);
        store.write(backend + "/" + Netif.Keys.STATE, Integer.toString(XenbusState.CLOSED.code()));
        String frontendState = SimNetback.frontendPath(guestDomid, handle) + "/" + Netif.Keys.STATE;
        CompletableFuture<Void> released = new CompletableFuture<>();
        AutoCloseable watch = watches.watch(frontendState, path -> {
            String state = store.read(frontendState);
            if (state == null || state.trim().equals(Integer.toString(XenbusState.CLOSED.code()))
                    || state.trim().equals(Integer.toString(XenbusState.INITIALISING.code()))) {
                released.complete(null);
            }
        });
        return released.orTimeout(unplugTimeoutMillis, TimeUnit.MILLISECONDS).thenApply(ok -> {
            try {
                watch.close();
            } catch (Exception e) {
                LOG.debug("closing the restart watch", e);
            }
            Domain guest = hypervisor.domain(guestDomid).orElseThrow();
            Domain dom0 = hypervisor.domain(0).orElseThrow();
            SimNetback netback = new SimNetback(dom0, guest, handle, store, watches, this::uplink, features,
                    fatalErrors);
            Vif restarted = new Vif(guestDomid, handle, old.mac(), netback);
            synchronized (retiredCounters) {
                vifs.put(key(guestDomid, handle), restarted);
                retiredCounters.add(old.backend().liveCounters());
            }
            LOG.info("vif {}.{}: backend restarted", guestDomid, handle);
            return restarted;
        });
    }

    /**
     * A fault for tests: the vif's backend vanishes, as with a driver domain that died or a toolstack that
     * removed it without unplugging: the netback stops (its mappings go with it) and its directory is
     * removed, with no state change first. The frontend directory is left as it is.
     */
    public void vanishBackend(int guestDomid, int handle) {
        Vif vif = vifs.remove(key(guestDomid, handle));
        if (vif == null) {
            throw new IllegalArgumentException("guest " + guestDomid + " has no vif " + handle);
        }
        vif.backend().close();
        store.remove(SimNetback.backendPath(guestDomid, handle));
        LOG.info("vif {}.{}: backend vanished", guestDomid, handle);
    }

    private Uplink uplink(SimNetback netback) {
        return hostInterfaces.enabled() ? HostInterface.open(netback, hostInterfaces.bridge())
                : new SwitchUplink(fabric, netback);
    }

    private void forget(Vif vif) {
        synchronized (retiredCounters) {
            Vif removed = vifs.remove(key(vif.guestDomid(), vif.handle()));
            if (removed != null) {
                retiredCounters.add(removed.backend().liveCounters());
            }
        }
        vif.backend().close();
        store.remove(SimNetback.backendPath(vif.guestDomid(), vif.handle()));
        store.remove(SimNetback.frontendPath(vif.guestDomid(), vif.handle()));
        store.remove("/local/domain/0/error/backend/vif/" + vif.guestDomid() + "/" + vif.handle());
        LOG.info("vif {}.{} removed", vif.guestDomid(), vif.handle());
    }

    private static String key(int guestDomid, int handle) {
        return guestDomid + "/" + handle;
    }

    public List<Vif> vifs() {
        List<Vif> list = new ArrayList<>(vifs.values());
        list.sort((a, b) -> a.guestDomid() != b.guestDomid() ? Integer.compare(a.guestDomid(), b.guestDomid())
                : Integer.compare(a.handle(), b.handle()));
        return list;
    }

    public Optional<Vif> vif(int guestDomid, int handle) {
        return Optional.ofNullable(vifs.get(key(guestDomid, handle)));
    }

    /**
     * Frames counted by every backend since start, those removed or restarted included: from the guest, TX
     * errors, to the guest, dropped for the guest (the order of {@link SimNetback}'s counters).
     */
    public long[] frameTotals() {
        long[] totals = new long[4];
        List<AtomicLong[]> all;
        synchronized (retiredCounters) {
            all = new ArrayList<>(retiredCounters);
            for (Vif vif : vifs.values()) {
                all.add(vif.backend().liveCounters());
            }
        }
        for (AtomicLong[] counters : all) {
            for (int i = 0; i < totals.length; i++) {
                totals[i] += counters[i].get();
            }
        }
        return totals;
    }

    /** Fatal errors every netback has met since start: zero for a correct frontend. */
    public long netbackFatalErrors() {
        return fatalErrors.get();
    }

    public SimSwitch fabric() {
        return fabric;
    }

    public HostInterfaces hostInterfaces() {
        return hostInterfaces;
    }

    @Override
    public void close() {
        for (Vif vif : List.copyOf(vifs.values())) {
            forget(vif);
        }
        watches.close();
    }
}
