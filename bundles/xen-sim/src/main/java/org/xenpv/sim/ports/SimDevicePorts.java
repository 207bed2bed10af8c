package org.xenpv.sim.ports;

import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.xenpv.platform.GuestType;
import org.xenpv.platform.PciBar;
import org.xenpv.platform.PlatformPciDevice;
import org.xenpv.platform.XenVersion;
import org.xenpv.platform.spi.DevicePortProvider;
import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.EventChannelPort;
import org.xenpv.platform.spi.GrantAllocPort;
import org.xenpv.platform.spi.HypercallPort;
import org.xenpv.platform.spi.PlatformFacts;
import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;
import org.xenpv.sim.hypervisor.Domain;

/**
 * The device ports of one simulated guest domain: what /dev/xen offers a
 * process in a real guest. Ports still open when the guest's ports are shut
 * down are closed, as the kernel closes a dead process's files.
 */
public final class SimDevicePorts implements DevicePortProvider {
    /** The provider name of the simulator. */
    public static final String PROVIDER_NAME = "sim";

    /** The simulated Xen: Debian bookworm's 4.17. */
    public static final XenVersion XEN_VERSION = new XenVersion(4, 17, ".0-sim");

    /**
     * The platform PCI device an HVM guest of xl sees, as the real-Xen harness's HVM guest reads it
     * from sysfs (Xen 4.17, qemu-xen, docs/realxen.md): slot 2, subsystem 5853:0001, class ff8000,
     * irq 24, an I/O BAR and a prefetchable memory BAR of the six, bound to Linux's xen-platform-pci.
     */
    static final PlatformPciDevice PLATFORM_PCI_DEVICE = new PlatformPciDevice("0000:00:02.0",
            PlatformPciDevice.VENDOR_XENSOURCE, PlatformPciDevice.DEVICE_PLATFORM, 0x5853, 0x0001, 0xff8000,
            List.of(new PciBar(0, 0xc000, 0xc0ff, 0x40101), new PciBar(1, 0xf0000000L, 0xf0ffffffL, 0x42208),
                    new PciBar(2, 0, 0, 0), new PciBar(3, 0, 0, 0), new PciBar(4, 0, 0, 0), new PciBar(5, 0, 0, 0)),
            24, Optional.of("xen-platform-pci"));

    private final Domain guest;
    private final Set<AutoCloseable> open = Collections.newSetFromMap(new ConcurrentHashMap<>());
    private final XenbusConnector xenbus;

    /** Opens the XenStore channel of a guest; the simulator's XenStore provides it. */
    @FunctionalInterface
    public interface XenbusConnector {
        XenbusPort connect(Domain guest) throws PortException;
    }

    public SimDevicePorts(Domain guest, XenbusConnector xenbus) {
        this.guest = guest;
        this.xenbus = xenbus;
    }

    public Domain guest() {
        return guest;
    }

    @Override
    public PlatformFacts platformFacts() {
        return new PlatformFacts(GuestType.HVM, XEN_VERSION, guest.domid(), Optional.of(PLATFORM_PCI_DEVICE));
    }

    @Override
    public HypercallPort openHypercallPort() {
        return track(new SimHypercallPort(XEN_VERSION, open::remove));
    }

    @Override
    public EventChannelPort openEventChannelPort() {
        return track(new SimEventChannelPort(guest, open::remove));
    }

    @Override
    public GrantAllocPort openGrantAllocPort() {
        return track(new SimGrantAllocPort(guest, open::remove));
    }

    @Override
    public XenbusPort openXenbusPort() throws PortException {
        if (xenbus == null) {
            throw new PortException("sim:xenbus", "open", Errno.ENODEV, "this simulator runs no XenStore");
        }
        return track(xenbus.connect(guest));
    }

    @Override
    public String name() {
        return PROVIDER_NAME;
    }

    @Override
    public void detachKernelDriver(String deviceClass, String busId) {
        // No guest kernel runs in the simulator, so no kernel driver ever holds a device.
    }

    /** Ports opened and not yet closed. */
    public int openPorts() {
        return open.size();
    }

    /** Closes every port still open. */
    public void closeAll() {
        for (AutoCloseable port : List.copyOf(open)) {
            try {
                port.close();
            } catch (Exception e) {
                // SPI ports do not throw on close
            }
        }
        open.clear();
    }

    private <T extends AutoCloseable> T track(T port) {
        open.add(port);
        return port;
    }
}
