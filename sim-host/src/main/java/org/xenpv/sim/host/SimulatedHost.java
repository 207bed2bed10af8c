package org.xenpv.sim.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.xenpv.net.Nic;
import org.xenpv.netfront.standalone.StandaloneNetfront;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimSwitch;
import org.xenpv.sim.netback.SimToolstack;
import org.xenpv.sim.xenstore.XenStoreServer;

/**
 * A simulated host: dom0 with the toolstack and a netback per vif on one
 * switch, and guests running the real stack. {@link #close()} stops every
 * guest as a bundle stop would (vifs closed in order, then the layers below),
 * then dom0; afterwards no thread, port, grant or mapping it made is left.
 */
public final class SimulatedHost implements AutoCloseable {
    private final Settings settings;
    private final Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(32768, 4096));
    private final XenStoreServer store = new XenStoreServer();
    private final SimSwitch fabric = new SimSwitch();
    private final SimToolstack toolstack;
    private final Map<Integer, Guest> guests = new ConcurrentHashMap<>();
    private boolean closed;

    /** What {@link Builder#start()} builds; see the builder's setters for each. */
    record Settings(int guests, int vifs, NetbackFeatures netback, StandaloneNetfront.Settings netfront,
            Duration bound) {
    }

    private SimulatedHost(Settings settings) throws Exception {
        this.settings = settings;
        toolstack = new SimToolstack(hypervisor, store, fabric, settings.netfront().closeTimeoutMillis());
        toolstack.createDomain(0, "Domain-0");
    }

    /** A host with one guest (domid 1) with one vif, Linux netback's features, netfront's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Sets up a host; {@link #start()} makes it and waits until every vif's Nic is active. */
    public static final class Builder {
        private int guests = 1;
        private int vifs = 1;
        private NetbackFeatures netback = NetbackFeatures.LINUX;
        private StandaloneNetfront.Settings netfront = StandaloneNetfront.Settings.DEFAULTS;
        private Duration bound = Duration.ofSeconds(20);

        private Builder() {
        }

        /** Guests with domids 1 to {@code count}; 0 for a host with dom0 alone. */
        public Builder guests(int count) {
            if (count < 0 || count > 0x7fef) {
                throw new IllegalArgumentException("guests must be 0 to 32751, got " + count);
            }
            guests = count;
            return this;
        }

        /** Vifs per guest at start, vif-0 to vif-{@code count - 1}. */
        public Builder vifs(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("vifs must be at least 0, got " + count);
            }
            vifs = count;
            return this;
        }

        /** The most queues per vif, on both sides: netfront's setting and what each netback offers. */
        public Builder queues(int count) {
            netfront = netfront.withMaxQueues(count);
            netback = new NetbackFeatures(netback.rxCopy(), netback.sg(), netback.gsoTcpv4(), netback.gsoTcpv6(),
                    netback.ipv6CsumOffload(), netback.rxNotify(), netback.splitEventChannels(), count);
            return this;
        }

        /** What each netback offers (its maximum of queues included); Linux xen-netback's by default. */
        public Builder netback(NetbackFeatures features) {
            netback = features;
            return this;
        }

        /** The guests' netfront settings; {@link StandaloneNetfront.Settings#DEFAULTS} by default. */
        public Builder netfront(StandaloneNetfront.Settings netfrontSettings) {
            netfront = netfrontSettings;
            return this;
        }

        /** How long a wait of the host (a Nic becoming active) may take before it fails; 20 s by default. */
        public Builder bound(Duration wait) {
            if (wait.isNegative() || wait.isZero()) {
                throw new IllegalArgumentException("the bound must be positive, got " + wait);
            }
            bound = wait;
            return this;
        }

        /**
         * Makes the host, its guests and their vifs, and waits until every
         * vif's Nic is active. On a failure it closes what it made.
         *
         * @throws IllegalStateException when a Nic is not active within the bound
         */
        public SimulatedHost start() throws Exception {
            SimulatedHost host = new SimulatedHost(new Settings(guests, vifs, netback, netfront, bound));
            try {
                for (int domid = 1; domid <= guests; domid++) {
                    Guest guest = host.addGuest(domid);
                    for (int vif = 0; vif < vifs; vif++) {
                        guest.addVif();
                    }
                }
                for (Guest guest : host.guests()) {
                    for (int vif = 0; vif < vifs; vif++) {
                        guest.nic("vif-" + vif);
                    }
                }
                return host;
            } catch (Exception | Error e) {
                try {
                    host.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
    }

    /**
     * Creates a guest running the stack, with no vif yet.
     *
     * @throws IllegalArgumentException when the domid is taken or not a guest's
     */
    public synchronized Guest addGuest(int domid) throws Exception {
        if (closed) {
            throw new IllegalStateException("the host is closed");
        }
        if (domid < 1 || guests.containsKey(domid)) {
            throw new IllegalArgumentException("domid " + domid + " is taken or not a guest's");
        }
        Guest guest = new Guest(this, domid);
        guests.put(domid, guest);
        return guest;
    }

    /**
     * The guest with this domid.
     *
     * @throws IllegalArgumentException when there is none
     */
    public Guest guest(int domid) {
        Guest guest = guests.get(domid);
        if (guest == null) {
            throw new IllegalArgumentException("no guest " + domid + "; guests: " + guests.keySet());
        }
        return guest;
    }

    /** The guests, by domid. */
    public List<Guest> guests() {
        return guests.values().stream().sorted((a, b) -> Integer.compare(a.domid(), b.domid())).toList();
    }

    /** The simulated hypervisor: its domains, their grant tables and event channels. */
    public Hypervisor hypervisor() {
        return hypervisor;
    }

    /** dom0's XenStore server: the tree, as the toolstack and the guests see it. */
    public XenStoreServer xenStore() {
        return store;
    }

    /** dom0's toolstack: add, remove and restart vifs, and each vif's netback. */
    public SimToolstack toolstack() {
        return toolstack;
    }

    /** The switch every vif's netback is a port of. */
    public SimSwitch fabric() {
        return fabric;
    }

    /** The bound of this host's waits. */
    public Duration bound() {
        return settings.bound();
    }

    NetbackFeatures netbackFeatures() {
        return settings.netback();
    }

    StandaloneNetfront.Settings netfrontSettings() {
        return settings.netfront();
    }

    /**
     * What the domains still hold and what went wrong in dom0: a grant, a
     * grant mapping or an event channel left in any domain, and any request a
     * netback found malformed. Empty after a clean close of every guest.
     */
    public List<String> leftovers() {
        List<String> found = new ArrayList<>();
        long fatal = toolstack.netbackFatalErrors();
        if (fatal != 0) {
            found.add("netback: " + fatal + " fatal errors (malformed requests)");
        }
        for (Domain domain : hypervisor.domains()) {
            count(found, domain, "grants active", domain.grants().activeGrants());
            count(found, domain, "grants deferred", domain.grants().deferredGrants());
            count(found, domain, "event channels open", domain.events().openPorts());
            count(found, domain, "grant mappings held", domain.grantMappingsHeld());
        }
        return found;
    }

    private static void count(List<String> found, Domain domain, String what, long count) {
        if (count != 0) {
            found.add(domain.name() + ": " + count + " " + what);
        }
    }

    /**
     * Waits, within the host's bound, until {@code condition} holds, checking it
     * about every millisecond.
     *
     * @throws IllegalStateException naming {@code what} when the bound passes first
     */
    public void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + settings.bound().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out after " + settings.bound().toMillis()
                        + " ms waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }

    /**
     * Closes every guest (each as a bundle stop would), then dom0: the
     * toolstack with its netbacks, and the XenStore server's connections.
     * Closing again does nothing.
     */
    @Override
    public void close() throws Exception {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Exception failure = null;
        for (Guest guest : guests()) {
            try {
                guest.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        toolstack.close();
        store.closeAll();
        if (failure != null) {
            throw failure;
        }
    }
}
