package org.xenpv.platform;

import java.util.List;

/**
 * The Xen platform PCI device (vendor 0x5853, device 0x0001) that HVM guests
 * see: where it sits on the bus, its BARs and its interrupt line.
 */
public record PlatformPciDevice(String address, int vendor, int device, List<PciBar> bars, int irq) {
    public static final int VENDOR_XENSOURCE = 0x5853;
    public static final int DEVICE_PLATFORM = 0x0001;

    public PlatformPciDevice {
        bars = List.copyOf(bars);
    }
}
