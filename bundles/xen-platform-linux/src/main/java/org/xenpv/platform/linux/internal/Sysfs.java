package org.xenpv.platform.linux.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.xenpv.platform.GuestType;
import org.xenpv.platform.PciBar;
import org.xenpv.platform.PlatformPciDevice;
import org.xenpv.platform.XenVersion;
import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.PortException;

/**
 * What the guest kernel's sysfs says about Xen: /sys/hypervisor, the PCI bus
 * and the XenBus drivers. The root is configurable so tests can lay out a tree.
 */
final class Sysfs {
    private static final int PCI_STANDARD_BARS = 6;
    private static final Pattern BUS_ID = Pattern.compile("[a-z][a-z0-9_]*-[0-9]{1,9}");

    private final Path root;

    Sysfs(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    /** The hypervisor type the kernel detected ("xen"), or empty when it detected none. */
    Optional<String> hypervisorType() {
        return readOptional(root.resolve("hypervisor/type"));
    }

    XenVersion xenVersion() throws IOException {
        Path dir = root.resolve("hypervisor/version");
        return new XenVersion(parseInt(dir.resolve("major")), parseInt(dir.resolve("minor")),
                readOptional(dir.resolve("extra")).orElse(""));
    }

    /** guest_type appeared in Linux 4.13; without it the kernel is a PV guest only if it says so elsewhere. */
    GuestType guestType() throws IOException {
        Path file = root.resolve("hypervisor/guest_type");
        String value = readOptional(file).orElseThrow(() -> new IOException(file + " is missing"));
        try {
            return GuestType.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " says '" + value + "', not HVM, PVH or PV", e);
        }
    }

    /**
     * The Xen platform PCI device, when the PCI bus has one: the first device under
     * bus/pci/devices (in address order) whose vendor and device ids are 5853:0001,
     * wherever the toolstack put it.
     */
    Optional<PlatformPciDevice> platformPciDevice() throws IOException {
        Path devices = root.resolve("bus/pci/devices");
        if (!Files.isDirectory(devices)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(devices)) {
            for (Path device : entries.sorted().toList()) {
                Optional<String> vendor = readOptional(device.resolve("vendor"));
                Optional<String> id = readOptional(device.resolve("device"));
                if (vendor.isEmpty() || id.isEmpty()
                        || parseHex(vendor.get(), device) != PlatformPciDevice.VENDOR_XENSOURCE
                        || parseHex(id.get(), device) != PlatformPciDevice.DEVICE_PLATFORM) {
                    continue;
                }
                return Optional.of(new PlatformPciDevice(device.getFileName().toString(),
                        PlatformPciDevice.VENDOR_XENSOURCE, PlatformPciDevice.DEVICE_PLATFORM,
                        (int) hexFile(device.resolve("subsystem_vendor")),
                        (int) hexFile(device.resolve("subsystem_device")), (int) hexFile(device.resolve("class")),
                        bars(device), parseInt(device.resolve("irq")), driverName(device)));
            }
        }
        return Optional.empty();
    }

    /** The name of the driver bound to a device: its {@code driver} link points to bus/pci/drivers/NAME. */
    private static Optional<String> driverName(Path device) {
        Path link = device.resolve("driver");
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        try {
            Path target = Files.readSymbolicLink(link).getFileName();
            return target == null ? Optional.empty() : Optional.of(target.toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long hexFile(Path file) throws IOException {
        return parseHex(readOptional(file).orElseThrow(() -> new IOException(file + " is missing")), file);
    }

    private static List<PciBar> bars(Path device) throws IOException {
        Path file = device.resolve("resource");
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        List<PciBar> bars = new ArrayList<>();
        for (int i = 0; i < Math.min(PCI_STANDARD_BARS, lines.size()); i++) {
            String[] fields = lines.get(i).trim().split("\\s+");
            if (fields.length != 3) {
                throw new IOException(file + " line " + (i + 1) + " is not 'start end flags': " + lines.get(i));
            }
            bars.add(new PciBar(i, parseHex(fields[0], file), parseHex(fields[1], file), parseHex(fields[2], file)));
        }
        return bars;
    }

    /**
     * Unbinds the kernel driver of XenBus device {@code busId}, if one holds it.
     *
     * @return the driver that was unbound, or empty when none held the device
     */
    Optional<String> unbindKernelDriver(String deviceClass, String busId) throws PortException {
        if (!BUS_ID.matcher(busId).matches() || !busId.startsWith(deviceClass + "-")) {
            throw new PortException(root + "/bus/xen/devices", "unbind", Errno.EINVAL,
                    "'" + busId + "' is not a bus id of class '" + deviceClass + "' (like " + deviceClass + "-0)");
        }
        Path device = root.resolve("bus/xen/devices").resolve(busId);
        if (!Files.exists(device)) {
            throw new PortException(device.toString(), "unbind", Errno.ENODEV, "no such XenBus device");
        }
        Path driver = device.resolve("driver");
        if (!Files.exists(driver)) {
            return Optional.empty();
        }
        Path unbind = driver.resolve("unbind");
        try {
            Files.writeString(unbind, busId, StandardCharsets.US_ASCII);
            return Optional.of(driver.toRealPath().getFileName().toString());
        } catch (IOException e) {
            throw new PortException(unbind.toString(), "unbind", Errno.EIO, busId + ": " + e.getMessage());
        }
    }

    private static Optional<String> readOptional(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int parseInt(Path file) throws IOException {
        String value = readOptional(file).orElseThrow(() -> new IOException(file + " is missing"));
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IOException(file + " does not hold a number: '" + value + "'", e);
        }
    }

    private static long parseHex(String value, Path file) throws IOException {
        String digits = value.startsWith("0x") || value.startsWith("0X") ? value.substring(2) : value;
        try {
            return Long.parseUnsignedLong(digits, 16);
        } catch (NumberFormatException e) {
            throw new IOException(file + " does not hold a hex number: '" + value + "'", e);
        }
    }
}
