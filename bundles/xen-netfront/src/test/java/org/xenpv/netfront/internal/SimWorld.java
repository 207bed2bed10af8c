package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.xenpv.evtchn.internal.BundleEventChannels;
import org.xenpv.evtchn.internal.EventDispatcher;
import org.xenpv.gnttab.internal.BundleGrantTable;
import org.xenpv.gnttab.internal.GrantLedger;
import org.xenpv.net.Nic;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.netback.HostInterfaces;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimSwitch;
import org.xenpv.sim.netback.SimToolstack;
import org.xenpv.sim.ports.SimDevicePorts;
import org.xenpv.sim.xenstore.GuestXenbusChannel;
import org.xenpv.sim.xenstore.XenStoreServer;
import org.xenpv.xenbus.internal.FrontendBus;
import org.xenpv.xenstore.internal.XenStoreClient;
import org.xenpv.xenstore.internal.XsClientConnection;

/**
 * A whole simulated host in one JVM: the hypervisor, XenStore, the toolstack
 * and netback in dom0, and guests each running the real stack above the
 * device ports (grant table, event channels, XenStore client, XenBus bus,
 * netfront), without OSGi.
 */
final class SimWorld implements AutoCloseable {
    static final long BOUND_SECONDS = 20;

    final Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(32768, 4096));
    final XenStoreServer store = new XenStoreServer();
    final SimSwitch fabric = new SimSwitch();
    final SimToolstack toolstack;
    private final List<Guest> guests = new ArrayList<>();

    SimWorld() throws Exception {
        this(HostInterfaces.OFF);
    }

    /** A host whose vifs each have a host interface, as {@code hostInterfaces} says, rather than a switch port. */
    SimWorld(HostInterfaces hostInterfaces) throws Exception {
        toolstack = new SimToolstack(hypervisor, store, fabric, 5_000, hostInterfaces);
        toolstack.createDomain(0, "Domain-0");
    }

    /** A guest running the stack; its Nics appear in {@link Guest#nics}. */
    final class Guest implements AutoCloseable {
        final Domain domain;
        final SimDevicePorts ports;
        final BundleGrantTable grants;
        final EventDispatcher dispatcher;
        final BundleEventChannels events;
        final XsClientConnection connection;
        final XenStoreClient xenstore;
        final Map<String, Nic> nics = new ConcurrentHashMap<>();
        /** The XenBus devices the bus found, by bus id, as netfront sees them. */
        private final Map<String, org.xenpv.xenbus.XenBusDevice> devices = new ConcurrentHashMap<>();
        private final Netfronts netfronts;
        private final FrontendBus bus;

        Guest(int domid, NetfrontConfig config, Faults faults) throws Exception {
            domain = toolstack.createDomain(domid, "guest" + domid);
            ports = new SimDevicePorts(domain, d -> new GuestXenbusChannel(store, d.domid()));
            grants = BundleGrantTable.forPort(ports.openGrantAllocPort(), new GrantLedger(), "netfront");
            dispatcher = EventDispatcher.forPort(ports.openEventChannelPort());
            events = new BundleEventChannels(dispatcher);
            connection = new XsClientConnection(ports.openXenbusPort(), "guest" + domid, 10_000);
            xenstore = new XenStoreClient(connection);
            netfronts = new Netfronts(faults.wrap((org.xenpv.xenstore.XenStore) xenstore), faults.wrap(grants),
                    events, config, (nic, properties) -> {
                nics.put(nic.name(), nic);
                return () -> nics.remove(nic.name());
            });
            bus = new FrontendBus(xenstore, (device, properties) -> {
                org.xenpv.xenbus.XenBusDevice seen = faults.wrap(device);
                devices.put(device.busId(), seen);
                if ("vif".equals(device.deviceClass())) {
                    netfronts.add(seen);
                }
                return () -> netfronts.remove(seen);
            });
        }

        Netfronts netfronts() {
            return netfronts;
        }

        org.xenpv.xenbus.XenBusDevice device(String busId) {
            return devices.get(busId);
        }

        Nic awaitNic(String name) throws InterruptedException {
            waitFor(domain.name() + " " + name + " ACTIVE", () -> nics.containsKey(name)
                    && nics.get(name).state() == org.xenpv.net.NicState.ACTIVE);
            return nics.get(name);
        }

        /** Stops the stack as a bundle stop would: netfronts close in order, then the layers below. */
        @Override
        public void close() throws Exception {
            bus.close();
            netfronts.closeAll().get(BOUND_SECONDS, TimeUnit.SECONDS);
            xenstore.release();
            connection.close();
            events.deactivate();
            dispatcher.deactivate();
            grants.deactivate();
            ports.closeAll();
        }
    }

    Guest guest(int domid) throws Exception {
        return guest(domid, NetfrontConfig.DEFAULTS);
    }

    Guest guest(int domid, NetfrontConfig config) throws Exception {
        return guest(domid, config, new Faults());
    }

    /** A guest whose netfront meets {@code faults} in the layers below it. */
    Guest guest(int domid, NetfrontConfig config, Faults faults) throws Exception {
        Guest guest = new Guest(domid, config, faults);
        guests.add(guest);
        return guest;
    }

    SimToolstack.Vif addVif(Guest guest, NetbackFeatures features) throws Exception {
        return toolstack.addVif(guest.domain.domid(), features, true);
    }

    static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + BOUND_SECONDS + " s waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.sleep(1);
        }
    }

    /** Guests 1 and 2 with one vif each, both ACTIVE: their Nics, guest 1's first. */
    Nic[] connectedPair(NetbackFeatures features, NetfrontConfig config) throws Exception {
        Guest one = guest(1, config);
        Guest two = guest(2, config);
        addVif(one, features);
        addVif(two, features);
        return new Nic[] {one.awaitNic("vif-0"), two.awaitNic("vif-0")};
    }

    /** After a test: nothing left behind in any domain, and no netback ever saw a malformed request. */
    void assertClean() {
        assertEquals(0, toolstack.netbackFatalErrors(), "netback fatal errors");
        assertNothingHeld();
    }

    /** No grant, mapping or event channel left in any domain. */
    void assertNothingHeld() {
        for (Domain domain : hypervisor.domains()) {
            assertEquals(0, domain.grants().activeGrants(), domain.name() + ": grants active");
            assertEquals(0, domain.grants().deferredGrants(), domain.name() + ": grants deferred");
            assertEquals(0, domain.events().openPorts(), domain.name() + ": event channels open");
            assertEquals(0, domain.grantMappingsHeld(), domain.name() + ": grant mappings held");
        }
    }

    @Override
    public void close() throws Exception {
        for (Guest guest : guests) {
            guest.close();
        }
        toolstack.close();
        store.closeAll();
    }
}
