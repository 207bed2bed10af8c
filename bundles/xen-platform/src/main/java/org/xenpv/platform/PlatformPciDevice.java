package org.xenpv.platform;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Xen platform PCI device (vendor 0x5853, device 0x0001) that HVM guests
 * see: where it sits on the bus, its identity (subsystem and class code), its
 * BARs, its interrupt line and the kernel driver bound to it (Linux's
 * {@code xen-platform-pci}), as the guest kernel's sysfs reports them.
 *
 * @param address the PCI address, domain:bus:slot.function ({@code 0000:00:02.0} under xl)
 * @param vendor the vendor id, 0x5853 (XenSource)
 * @param device the device id, 0x0001
 * @param subsystemVendor the subsystem vendor id (0 when not known)
 * @param subsystemDevice the subsystem id (0 when not known)
 * @param classCode the 24-bit class code, base class, sub-class and programming interface
 *        (0xff8000 from Xen's device model: base class 0xff, "unassigned"); 0 when not known
 * @param bars the six standard BARs, unused ones with start and end 0
 * @param irq the interrupt line
 * @param driver the name of the kernel driver bound to the device, empty when none is
 */
public record PlatformPciDevice(String address, int vendor, int device, int subsystemVendor, int subsystemDevice,
        int classCode, List<PciBar> bars, int irq, Optional<String> driver) {
    public static final int VENDOR_XENSOURCE = 0x5853;
    public static final int DEVICE_PLATFORM = 0x0001;

    public PlatformPciDevice {
        Objects.requireNonNull(address, "address");
        bars = List.copyOf(bars);
        Objects.requireNonNull(driver, "driver");
    }

    /** The device as package version 1.0 described it: no subsystem, class code or driver. */
    public PlatformPciDevice(String address, int vendor, int device, List<PciBar> bars, int irq) {
        this(address, vendor, device, 0, 0, 0, bars, irq, Optional.empty());
    }

    /**
     * One line for people: {@code 0000:00:02.0 5853:0001 (subsystem 5853:0001, class ff8000, irq 24,
     * driver xen-platform-pci)}; without a driver, {@code driver none}.
     */
    public String describe() {
        return String.format("%s %04x:%04x (subsystem %04x:%04x, class %06x, irq %d, driver %s)", address, vendor,
                device, subsystemVendor, subsystemDevice, classCode, irq, driver.orElse("none"));
    }
}
