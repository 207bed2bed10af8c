package org.xenpv.sim.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.platform.spi.DevicePortProvider;
import org.xenpv.platform.spi.EventChannelPort;
import org.xenpv.platform.spi.GrantAllocPort;
import org.xenpv.platform.spi.HypercallPort;
import org.xenpv.platform.spi.PlatformFacts;
import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;
import org.xenpv.sim.BackendTotals;
import org.xenpv.sim.DomainAccounting;
import org.xenpv.sim.SimulatedVif;
import org.xenpv.sim.SimulatedXen;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorException;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.netback.HostInterfaces;
import org.xenpv.sim.netback.NetbackFault;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimNetback;
import org.xenpv.sim.netback.SimSwitch;
import org.xenpv.sim.netback.SimToolstack;
import org.xenpv.sim.ports.SimDevicePorts;
import org.xenpv.sim.xenstore.GuestXenbusChannel;
import org.xenpv.sim.xenstore.XenStoreServer;
import org.xenpv.sim.xenstore.XenStoreSocketServer;

/**
 * The simulator: a hypervisor with dom0 (XenStore, toolstack, netback and a
 * switch) and one guest domain with its vifs, whose device ports it offers
 * to the stack in this JVM as the "sim" provider.
 */
@Component(enabled = false, service = {SimulatedXen.class, DevicePortProvider.class},
        property = DevicePortProvider.PROVIDER_PROPERTY + "=" + SimDevicePorts.PROVIDER_NAME)
@Designate(ocd = Simulator.Config.class)
public final class Simulator implements SimulatedXen, DevicePortProvider {
    private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);

    @ObjectClassDefinition(name = "xenpv simulator", description = "The simulated Xen hypervisor and dom0")
    public @interface Config {
        @AttributeDefinition(description = "Domain id of the guest whose device ports this JVM uses")
        int guestDomid() default 1;

        @AttributeDefinition(description = "Grant references per domain (Xen's default: 64 frames of 512)")
        int grantEntries() default 32768;

        @AttributeDefinition(description = "Event-channel ports per domain (2-level ABI: 4096)")
        int eventChannels() default 4096;

        @AttributeDefinition(description = "Unix socket of the simulated XenStore for dom0 tools; empty means"
                + " xenpv/xenstored.socket under Karaf's data directory (or the temporary directory)")
        String xenstoreSocket() default "";

        @AttributeDefinition(description = "Vifs the guest has at start")
        int vifs() default 2;

        @AttributeDefinition(description = "Whether the toolstack marks the vifs' backends trusted")
        boolean trusted() default true;

        @AttributeDefinition(description = "Backend offers feature-sg")
        boolean featureSg() default true;

        @AttributeDefinition(description = "Backend offers feature-gso-tcpv4")
        boolean featureGsoTcpv4() default true;

        @AttributeDefinition(description = "Backend offers feature-gso-tcpv6")
        boolean featureGsoTcpv6() default true;

        @AttributeDefinition(description = "Backend offers feature-ipv6-csum-offload")
        boolean featureIpv6CsumOffload() default true;

        @AttributeDefinition(description = "Backend offers feature-rx-notify")
        boolean featureRxNotify() default true;

        @AttributeDefinition(description = "Backend offers feature-split-event-channels")
        boolean featureSplitEventChannels() default true;

        @AttributeDefinition(description = "Backend's multi-queue-max-queues")
        int maxQueues() default 4;

        @AttributeDefinition(description = "How long hot-unplug waits for the frontend to close, in milliseconds")
        long unplugTimeoutMillis() default 10_000;

        @AttributeDefinition(description = "Give each vif's backend a TAP interface on the host named"
                + " vif<domid>.<id>, as a Xen host has, instead of the in-process switch (needs root or"
                + " CAP_NET_ADMIN and /dev/net/tun)")
        boolean hostInterfaces() default false;

        @AttributeDefinition(description = "Linux bridge the host interfaces join (libxl's bridge=); empty: none")
        String bridge() default "";
    }

    private final Hypervisor hypervisor;
    private final SimDevicePorts guestPorts;
    private final XenStoreServer xenstore;
    private final XenStoreSocketServer xenstoreSocket;
    private final SimToolstack toolstack;
    private final NetbackFeatures features;
    private final boolean trusted;

    @Activate
    public Simulator(Config config) throws HypervisorException, IOException {
        hypervisor = new Hypervisor(new HypervisorLimits(config.grantEntries(), config.eventChannels()));
        xenstore = new XenStoreServer();
        toolstack = new SimToolstack(hypervisor, xenstore, new SimSwitch(), config.unplugTimeoutMillis(),
                hostInterfaces(config));
        features = new NetbackFeatures(true, config.featureSg(), config.featureGsoTcpv4(), config.featureGsoTcpv6(),
                config.featureIpv6CsumOffload(), config.featureRxNotify(), config.featureSplitEventChannels(),
                config.maxQueues());
        trusted = config.trusted();
        toolstack.createDomain(0, "Domain-0");
        Domain guest = toolstack.createDomain(config.guestDomid(), "guest" + config.guestDomid());
        guestPorts = new SimDevicePorts(guest, domain -> new GuestXenbusChannel(xenstore, domain.domid()));
        xenstoreSocket = new XenStoreSocketServer(xenstore, socketPath(config));
        for (int i = 0; i < config.vifs(); i++) {
            toolstack.addVif(guest.domid(), features, trusted);
        }
        LOG.info("xenpv simulator started: Xen {}, dom0 and guest domain {} with {} vif(s) {}; XenStore socket {}",
                SimDevicePorts.XEN_VERSION, guest.domid(), config.vifs(), uplinks(toolstack.hostInterfaces()),
                xenstoreSocket.socketPath());
    }

    private static HostInterfaces hostInterfaces(Config config) {
        String bridge = config.bridge() == null ? "" : config.bridge().trim();
        if (!config.hostInterfaces()) {
            if (!bridge.isEmpty()) {
                LOG.warn("bridge = {} is ignored: it is for host interfaces, and hostInterfaces is false", bridge);
            }
            return HostInterfaces.OFF;
        }
        return new HostInterfaces(true, bridge);
    }

    private static String uplinks(HostInterfaces hostInterfaces) {
        if (!hostInterfaces.enabled()) {
            return "on the in-process switch";
        }
        return "with host interfaces" + (hostInterfaces.bridge().isEmpty() ? "" : " in bridge "
                + hostInterfaces.bridge());
    }

    /** The simulated toolstack, for the console and tests. */
    SimToolstack toolstack() {
        return toolstack;
    }

    @Override
    public synchronized int createGuest() throws IOException {
        int domid = 1;
        while (hypervisor.domain(domid).isPresent()) {
            domid++;
        }
        try {
            toolstack.createDomain(domid, "guest" + domid);
        } catch (HypervisorException e) {
            throw new IOException("creating guest " + domid + ": " + e.getMessage(), e);
        }
        LOG.info("guest domain {} created", domid);
        return domid;
    }

    @Override
    public int addVif(int guestDomid) throws IOException {
        if (guestDomid == 0 || hypervisor.domain(guestDomid).isEmpty()) {
            throw new IllegalArgumentException("there is no guest domain " + guestDomid);
        }
        try {
            return toolstack.addVif(guestDomid, features, trusted).handle();
        } catch (HypervisorException e) {
            throw new IOException("adding a vif to guest " + guestDomid + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void removeVif(int guestDomid, int handle) throws IOException {
        if (toolstack.vif(guestDomid, handle).isEmpty()) {
            throw new IllegalArgumentException("guest " + guestDomid + " has no vif " + handle);
        }
        try {
            toolstack.removeVif(guestDomid, handle).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while removing vif " + guestDomid + "." + handle, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("removing vif " + guestDomid + "." + handle + ": " + e.getCause(), e.getCause());
        }
    }

    @Override
    public List<String> backendFaults() {
        return java.util.Arrays.stream(NetbackFault.values()).map(Enum::name).toList();
    }

    @Override
    public void injectBackendFault(int guestDomid, int handle, int queue, String fault) {
        NetbackFault named = NetbackFault.named(fault);
        backend(guestDomid, handle).inject(queue, named);
    }

    @Override
    public void calmBackend(int guestDomid, int handle) {
        backend(guestDomid, handle).calm();
    }

    @Override
    public void vanishBackend(int guestDomid, int handle) {
        toolstack.vanishBackend(guestDomid, handle);
    }

    @Override
    public int flapBackend(int guestDomid, int handle, int flips, long intervalMillis) {
        if (flips < 0 || intervalMillis < 0) {
            throw new IllegalArgumentException("flips and interval must not be negative: " + flips + ", "
                    + intervalMillis);
        }
        return backend(guestDomid, handle).flapState(flips, intervalMillis);
    }

    private SimNetback backend(int guestDomid, int handle) {
        return toolstack.vif(guestDomid, handle)
                .orElseThrow(() -> new IllegalArgumentException("guest " + guestDomid + " has no vif " + handle))
                .backend();
    }

    @Override
    public void restartBackend(int guestDomid, int handle) throws IOException {
        if (toolstack.vif(guestDomid, handle).isEmpty()) {
            throw new IllegalArgumentException("guest " + guestDomid + " has no vif " + handle);
        }
        try {
            toolstack.restartBackend(guestDomid, handle, features).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while restarting the backend of vif " + guestDomid + "." + handle, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("restarting the backend of vif " + guestDomid + "." + handle + ": " + e.getCause(),
                    e.getCause());
        }
    }

    @Override
    public BackendTotals backendTotals() {
        long[] totals = toolstack.frameTotals();
        return new BackendTotals(totals[0], totals[1], totals[2], totals[3], toolstack.fabric().unforwardedFrames());
    }

    @Override
    public List<SimulatedVif> vifs() {
        return toolstack.vifs().stream().map(Simulator::describe).toList();
    }

    private static SimulatedVif describe(SimToolstack.Vif vif) {
        SimNetback backend = vif.backend();
        return new SimulatedVif(vif.guestDomid(), vif.handle(), vif.mac(), backend.backendState().code(),
                backend.queueCount(), backend.framesFromGuest(), backend.framesToGuest(), backend.framesDropped(),
                backend.hostInterface().map(host -> new SimulatedVif.HostInterface(host.name(), host.bridge(),
                        host.failure(), host.framesFromHost(), host.droppedFromHost(), host.framesToHost(),
                        host.droppedNoInterface(), host.droppedRefused(), host.droppedChecksum(),
                        host.droppedGso())));
    }

    private static Path socketPath(Config config) {
        if (!config.xenstoreSocket().isBlank()) {
            return Path.of(config.xenstoreSocket());
        }
        String karafData = System.getProperty("karaf.data");
        Path base = karafData != null ? Path.of(karafData)
                : Path.of(System.getProperty("java.io.tmpdir"), "xenpv-" + ProcessHandle.current().pid());
        return base.resolve("xenpv").resolve("xenstored.socket");
    }

    @Deactivate
    void deactivate() {
        toolstack.close();
        guestPorts.closeAll();
        xenstoreSocket.close();
        xenstore.closeAll();
        LOG.info("xenpv simulator stopped");
    }

    @Override
    public java.util.Map<String, String> details() {
        return java.util.Map.of("xenstore socket", xenstoreSocket.socketPath().toString(), "guests",
                Integer.toString(hypervisor.domains().size() - 1), "vifs", Integer.toString(toolstack.vifs().size()));
    }

    @Override
    public Path xenstoreSocket() {
        return xenstoreSocket.socketPath();
    }

    /** The simulated XenStore daemon, for the simulated dom0's toolstack and netback. */
    XenStoreServer xenstore() {
        return xenstore;
    }

    Hypervisor hypervisor() {
        return hypervisor;
    }

    @Override
    public int guestDomid() {
        return guestPorts.guest().domid();
    }

    @Override
    public List<DomainAccounting> accounting() {
        return hypervisor.domains().stream().map(Simulator::accountingOf).toList();
    }

    @Override
    public Optional<DomainAccounting> accounting(int domid) {
        return hypervisor.domain(domid).map(Simulator::accountingOf);
    }

    private static DomainAccounting accountingOf(Domain domain) {
        return new DomainAccounting(domain.domid(), domain.name(), domain.grants().activeGrants(),
                domain.grants().deferredGrants(), domain.grantMappingsHeld(), domain.events().openPorts());
    }

    @Override
    public String name() {
        return SimDevicePorts.PROVIDER_NAME;
    }

    @Override
    public PlatformFacts platformFacts() {
        return guestPorts.platformFacts();
    }

    @Override
    public HypercallPort openHypercallPort() {
        return guestPorts.openHypercallPort();
    }

    @Override
    public EventChannelPort openEventChannelPort() {
        return guestPorts.openEventChannelPort();
    }

    @Override
    public GrantAllocPort openGrantAllocPort() {
        return guestPorts.openGrantAllocPort();
    }

    @Override
    public XenbusPort openXenbusPort() throws PortException {
        return guestPorts.openXenbusPort();
    }

    @Override
    public void detachKernelDriver(String deviceClass, String busId) {
        guestPorts.detachKernelDriver(deviceClass, busId);
    }
}
