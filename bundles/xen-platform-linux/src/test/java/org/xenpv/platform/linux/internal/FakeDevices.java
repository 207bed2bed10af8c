package org.xenpv.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Stand-ins for the Xen devices and sysfs, built in a temporary directory: a
 * FIFO behaves like a message device (poll, read, write, and what is written
 * comes back), /dev/null answers every ioctl with ENOTTY.
 */
final class FakeDevices {
    private FakeDevices() {
    }

    static Path fifo(Path dir, String name) throws IOException, InterruptedException {
        Path fifo = dir.resolve(name);
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        String output = new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!mkfifo.waitFor(30, TimeUnit.SECONDS)) {
            mkfifo.destroyForcibly();
            throw new IOException("mkfifo did not finish");
        }
        assertEquals(0, mkfifo.exitValue(), "mkfifo " + fifo + ": " + output);
        return fifo;
    }

    static Path devNull(Path dir, String name) throws IOException {
        return Files.createSymbolicLink(dir.resolve(name), Path.of("/dev/null"));
    }

    static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.US_ASCII);
    }

    /**
     * A sysfs tree of an HVM guest on Xen 4.17 with the platform PCI device at 0000:00:02.0, as the
     * real-Xen harness's HVM guest (qemu-xen, Linux 6.1) shows it.
     */
    static Path xenSysfs(Path root) throws IOException {
        return xenSysfs(root, "0000:00:02.0");
    }

    /** The same tree with the platform PCI device at {@code address}. */
    static Path xenSysfs(Path root, String address) throws IOException {
        write(root.resolve("hypervisor/type"), "xen\n");
        write(root.resolve("hypervisor/version/major"), "4\n");
        write(root.resolve("hypervisor/version/minor"), "17\n");
        write(root.resolve("hypervisor/version/extra"), ".3\n");
        write(root.resolve("hypervisor/guest_type"), "HVM\n");
        Path other = root.resolve("bus/pci/devices/0000:00:01.0");
        write(other.resolve("vendor"), "0x8086\n");
        write(other.resolve("device"), "0x7000\n");
        Path platform = root.resolve("bus/pci/devices/" + address);
        write(platform.resolve("vendor"), "0x5853\n");
        write(platform.resolve("device"), "0x0001\n");
        write(platform.resolve("subsystem_vendor"), "0x5853\n");
        write(platform.resolve("subsystem_device"), "0x0001\n");
        write(platform.resolve("class"), "0xff8000\n");
        write(platform.resolve("irq"), "24\n");
        // sysfs links a bound device to its driver under bus/pci/drivers.
        Path driver = Files.createDirectories(root.resolve("bus/pci/drivers/xen-platform-pci"));
        Files.createSymbolicLink(platform.resolve("driver"), platform.relativize(driver));
        write(platform.resolve("resource"), """
                0x000000000000c000 0x000000000000c0ff 0x0000000000040101
                0x00000000f0000000 0x00000000f0ffffff 0x0000000000042208
                0x0000000000000000 0x0000000000000000 0x0000000000000000
                0x0000000000000000 0x0000000000000000 0x0000000000000000
                0x0000000000000000 0x0000000000000000 0x0000000000000000
                0x0000000000000000 0x0000000000000000 0x0000000000000000
                0x0000000000000000 0x0000000000000000 0x0000000000000000
                """);
        return root;
    }
}
