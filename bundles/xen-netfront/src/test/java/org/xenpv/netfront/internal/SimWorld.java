package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.xenpv.evtchn.standalone.StandaloneEventChannels;
import org.xenpv.gnttab.standalone.StandaloneGrantTable;
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
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenbus.standalone.StandaloneXenBus;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.standalone.StandaloneXenStore;

/**
 * A whole simulated host in one JVM: the hypervisor, XenStore, the toolstack
 * and netback in dom0, and guests each running the real stack above the
 * device ports (grant table, event channels, XenStore client, XenBus bus,
 * netfront), without OSGi. Unlike the public simulated host (module sim-host)
 * it reaches into netfront's own internals: its configuration, its
 * {@link Netfronts}, and {@link Faults} between netfront and the layers below.
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
        private final SimDevicePorts ports;
        private final StandaloneGrantTable grants;
        private final StandaloneEventChannels events;
        private final StandaloneXenStore xenstore;
        final Map<String, Nic> nics = new ConcurrentHashMap<>();
        /** The XenBus devices the bus found, by bus id, as netfront sees them. */
        private final Map<String, XenBusDevice> devices = new ConcurrentHashMap<>();
        private final Netfronts netfronts;
        private final StandaloneXenBus bus;

        Guest(int domid, NetfrontConfig config, Faults faults, long replyTimeoutMillis) throws Exception {
            domain = toolstack.createDomain(domid, "guest" + domid);
            ports = new SimDevicePorts(domain, d -> new GuestXenbusChannel(store, d.domid()));
            grants = StandaloneGrantTable.open(ports.openGrantAllocPort(), "netfront");
            events = StandaloneEventChannels.open(ports.openEventChannelPort());
            xenstore = StandaloneXenStore.open(ports.openXenbusPort(), "guest" + domid, replyTimeoutMillis);
            netfronts = new Netfronts(faults.wrap((XenStore) xenstore), faults.wrap(grants),
                    events, config, (nic, properties) -> {
                nics.put(nic.name(), nic);
                return () -> nics.remove(nic.name());
            });
            bus = StandaloneXenBus.open(xenstore, device -> {
                XenBusDevice seen = faults.wrap(device);
                devices.put(device.busId(), seen);
                if ("vif".equals(device.deviceClass())) {
                    netfronts.add(seen);
                }
                return () -> netfronts.remove(seen);
            });
        }

        /** The guest's own XenStore connection, the one its netfront and XenBus use. */
        XenStore xenstore() {
            return xenstore;
        }

        Netfronts netfronts() {
            return netfronts;
        }

        /** The guest's grant table, as netfront's bundle would have it. */
        StandaloneGrantTable grants() {
            return grants;
        }

        XenBusDevice device(String busId) {
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
            xenstore.close();
            events.close();
            grants.close();
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
        return guest(domid, config, faults, 10_000);
    }

    /** A guest whose XenStore requests fail after {@code replyTimeoutMillis} without a reply. */
    Guest guest(int domid, NetfrontConfig config, Faults faults, long replyTimeoutMillis) throws Exception {
        Guest guest = new Guest(domid, config, faults, replyTimeoutMillis);
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
                fail("timed out after " + BOUND_SECONDS + " s waiting for " + what + "; the threads then:\n"
                        + threadDump());
            }
            Thread.onSpinWait();
            Thread.sleep(1);
        }
    }

    /** Every thread's stack and the locks it holds or waits for: what a timed-out wait was stuck behind. */
    static String threadDump() {
        StringBuilder dump = new StringBuilder();
        for (ThreadInfo info
                : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
            if (info.getLockName() != null) {
                dump.append(" on ").append(info.getLockName()).append(" owned by ").append(info.getLockOwnerName());
            }
            dump.append('\n');
            for (StackTraceElement frame : info.getStackTrace()) {
                dump.append("\tat ").append(frame).append('\n');
            }
        }
        return dump.toString();
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
