package org.xenpv.sim.host;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.xenpv.evtchn.EventChannels;
import org.xenpv.evtchn.standalone.StandaloneEventChannels;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.gnttab.standalone.StandaloneGrantTable;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.netfront.standalone.StandaloneNetfront;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimToolstack;
import org.xenpv.sim.ports.SimDevicePorts;
import org.xenpv.sim.xenstore.GuestXenbusChannel;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenbus.standalone.StandaloneXenBus;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.standalone.StandaloneXenStore;

/**
 * A guest of a {@link SimulatedHost}: a domain whose device ports are the
 * simulator's, with the real grant table, event channels, XenStore client,
 * XenBus and netfront above them. Each vif the toolstack gives it becomes a
 * {@link Nic} once netfront connects it.
 */
public final class Guest implements AutoCloseable {
    private static final long XENSTORE_REPLY_MILLIS = 10_000;

    private final SimulatedHost host;
    private final Domain domain;
    private final SimDevicePorts ports;
    private final StandaloneGrantTable grants;
    private final StandaloneEventChannels events;
    private final StandaloneXenStore xenstore;
    private final StandaloneNetfront netfront;
    private final StandaloneXenBus bus;
    private final Map<String, Nic> nics = new ConcurrentHashMap<>();
    private boolean closed;

    Guest(SimulatedHost host, int domid) throws Exception {
        this.host = host;
        domain = host.toolstack().createDomain(domid, "guest" + domid);
        ports = new SimDevicePorts(domain, d -> new GuestXenbusChannel(host.xenStore(), d.domid()));
        // Each layer is closed in the reverse order if a later one cannot start.
        StandaloneGrantTable openedGrants = null;
        StandaloneEventChannels openedEvents = null;
        StandaloneXenStore openedStore = null;
        StandaloneNetfront openedNetfront = null;
        try {
            openedGrants = StandaloneGrantTable.open(ports.openGrantAllocPort(), "guest" + domid + "-netfront");
            openedEvents = StandaloneEventChannels.open(ports.openEventChannelPort());
            openedStore = StandaloneXenStore.open(ports.openXenbusPort(), "guest" + domid, XENSTORE_REPLY_MILLIS);
            openedNetfront = StandaloneNetfront.open(openedStore, openedGrants, openedEvents,
                    host.netfrontSettings(), nic -> {
                        nics.put(nic.name(), nic);
                        return () -> nics.remove(nic.name(), nic);
                    });
            bus = StandaloneXenBus.open(openedStore, openedNetfront::deviceAdded);
        } catch (Exception | Error e) {
            closeQuietly(openedNetfront, e);
            closeQuietly(openedStore, e);
            closeQuietly(openedEvents, e);
            closeQuietly(openedGrants, e);
            ports.closeAll();
            throw e;
        }
        grants = openedGrants;
        events = openedEvents;
        xenstore = openedStore;
        netfront = openedNetfront;
    }

    private static void closeQuietly(AutoCloseable layer, Throwable failure) {
        if (layer != null) {
            try {
                layer.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    public int domid() {
        return domain.domid();
    }

    /** The simulator's domain: its grants, mappings and event channels as the hypervisor counts them. */
    public Domain domain() {
        return domain;
    }

    /**
     * Gives the guest a vif with the host's netback features, as {@code xl network-attach} does.
     *
     * @return the vif; its Nic is {@code nic("vif-" + vif.handle())}
     */
    public SimToolstack.Vif addVif() throws Exception {
        return addVif(host.netbackFeatures());
    }

    /** Gives the guest a vif whose netback offers {@code features}. */
    public SimToolstack.Vif addVif(NetbackFeatures features) throws Exception {
        return host.toolstack().addVif(domid(), features, true);
    }

    /**
     * Unplugs a vif as {@code xl network-detach} does: the backend asks to close and waits for netfront.
     *
     * @return completes once the backend has let go
     */
    public CompletableFuture<Void> removeVif(int handle) {
        return host.toolstack().removeVif(domid(), handle);
    }

    /**
     * The Nic of this name ({@code vif-<handle>}), once it is active: waits for
     * it within the host's bound.
     *
     * @throws IllegalStateException when it is not active within the bound
     */
    public Nic nic(String name) throws InterruptedException {
        host.await(domain.name() + " " + name + " active", () -> {
            Nic nic = nics.get(name);
            return nic != null && nic.state() == NicState.ACTIVE;
        });
        return nics.get(name);
    }

    /** The Nic of this name if netfront has published it, in whatever state it is. */
    public Optional<Nic> nicIfPresent(String name) {
        return Optional.ofNullable(nics.get(name));
    }

    /** The Nics netfront has published now, by name. */
    public Map<String, Nic> nics() {
        return Map.copyOf(nics);
    }

    /** The XenBus devices the guest's bus sees now. */
    public List<XenBusDevice> devices() {
        return bus.devices();
    }

    /** The guest's XenStore client, as its drivers use it. */
    public XenStore xenStore() {
        return xenstore;
    }

    /** The guest's grant table, shared by its netfronts. */
    public GrantTable grantTable() {
        return grants;
    }

    /** The guest's event channels, shared by its netfronts. */
    public EventChannels eventChannels() {
        return events;
    }

    /**
     * Stops the guest's stack as a bundle stop would: the bus, then every
     * netfront closed in order (their backends see Closing, then Closed), then
     * the layers below and the device ports. The domain stays, with nothing
     * held. Closing again does nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            bus.close();
            netfront.close();
        } finally {
            xenstore.close();
            events.close();
            grants.close();
            ports.closeAll();
        }
    }
}
