package org.xenpv.commands;

import java.util.Comparator;
import java.util.List;

import org.xenpv.xenbus.XenBusDevice;

/** The XenBus device services Karaf injected into a command, by bus id. */
final class XenBusDevices {
    private XenBusDevices() {
    }

    /** The devices in XenStore order (class, then id); none when Karaf injected no list. */
    static List<XenBusDevice> sorted(List<XenBusDevice> devices) {
        return devices == null ? List.of()
                : devices.stream().sorted(Comparator.comparing(XenBusDevice::nodePath)).toList();
    }

    /** The device whose bus id is {@code busId}, or an error that lists the ids there are. */
    static XenBusDevice named(List<XenBusDevice> devices, String busId) {
        List<XenBusDevice> all = sorted(devices);
        for (XenBusDevice device : all) {
            if (device.busId().equals(busId)) {
                return device;
            }
        }
        throw new IllegalArgumentException("no XenBus device '" + busId + "'; devices: "
                + (all.isEmpty() ? "none (is a xenpv provider, xenpv-sim or xenpv-platform-linux, installed?)"
                        : String.join(", ", all.stream().map(XenBusDevice::busId).toList())));
    }
}
