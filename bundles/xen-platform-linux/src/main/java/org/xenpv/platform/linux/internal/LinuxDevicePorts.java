package org.xenpv.platform.linux.internal;

import java.io.IOException;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.platform.spi.DevicePortProvider;
import org.xenpv.platform.spi.EventChannelPort;
import org.xenpv.platform.spi.GrantAllocPort;
import org.xenpv.platform.spi.HypercallPort;
import org.xenpv.platform.spi.PlatformFacts;
import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;

/**
 * The device ports of a real Xen guest: the kernel's /dev/xen devices. Enabled
 * by {@link LinuxProviderProbe} only on a machine that has them.
 */
@Component(enabled = false, configurationPid = LinuxProviderConfig.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = DevicePortProvider.PROVIDER_PROPERTY + "=" + LinuxDevicePorts.PROVIDER_NAME)
public final class LinuxDevicePorts implements DevicePortProvider {
    static final String PROVIDER_NAME = "linux";
    private static final Logger LOG = LoggerFactory.getLogger(LinuxDevicePorts.class);

    private final LinuxXenDevices devices;
    private final PlatformFacts facts;

    @Activate
    public LinuxDevicePorts(LinuxProviderConfig config) throws IOException {
        this(LinuxXenDevices.of(config));
    }

    /** The provider outside OSGi, on the standard /dev/xen and /sys ({@code LinuxDevicePortProviders}). */
    public static LinuxDevicePorts standard() throws IOException {
        return new LinuxDevicePorts(new LinuxXenDevices(java.nio.file.Path.of("/dev/xen"),
                new Sysfs(java.nio.file.Path.of("/sys"))));
    }

    LinuxDevicePorts(LinuxXenDevices devices) throws IOException {
        this.devices = devices;
        Sysfs sysfs = devices.sysfs();
        int domid;
        try (XenbusPort xenbus = openXenbusPort()) {
            domid = DomidQuery.readDomid(xenbus, devices.path(LinuxXenDevices.XENBUS));
        }
        this.facts = new PlatformFacts(sysfs.guestType(), sysfs.xenVersion(), domid, sysfs.platformPciDevice());
        LOG.info("xenpv Linux provider active: Xen {} {} guest, domid {}{}", facts.version(), facts.guestType(),
                facts.domid(), facts.platformPciDevice().map(pci -> ", platform PCI device " + pci.describe())
                        .orElse(""));
    }

    @Override
    public String name() {
        return PROVIDER_NAME;
    }

    @Override
    public java.util.Map<String, String> details() {
        return java.util.Map.of("devices", devices.path(""), "sysfs", devices.sysfs().root().toString());
    }

    @Override
    public PlatformFacts platformFacts() {
        return facts;
    }

    @Override
    public HypercallPort openHypercallPort() throws PortException {
        return new LinuxHypercallPort(DeviceFile.open(devices.path(LinuxXenDevices.PRIVCMD)));
    }

    @Override
    public EventChannelPort openEventChannelPort() throws PortException {
        return new LinuxEventChannelPort(DeviceFile.open(devices.path(LinuxXenDevices.EVTCHN)));
    }

    @Override
    public GrantAllocPort openGrantAllocPort() throws PortException {
        return new LinuxGrantAllocPort(DeviceFile.open(devices.path(LinuxXenDevices.GNTALLOC)));
    }

    @Override
    public XenbusPort openXenbusPort() throws PortException {
        return new LinuxXenbusPort(DeviceFile.open(devices.path(LinuxXenDevices.XENBUS)));
    }

    @Override
    public void detachKernelDriver(String deviceClass, String busId) throws PortException {
        Optional<String> driver = devices.sysfs().unbindKernelDriver(deviceClass, busId);
        if (driver.isPresent()) {
            LOG.info("Detached the kernel's {} driver from {}", driver.get(), busId);
        }
    }

}
