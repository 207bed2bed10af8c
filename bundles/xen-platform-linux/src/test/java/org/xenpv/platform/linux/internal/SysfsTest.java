package org.xenpv.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xenpv.platform.GuestType;
import org.xenpv.platform.PciBar;
import org.xenpv.platform.PlatformPciDevice;
import org.xenpv.platform.XenVersion;
import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.PortException;

class SysfsTest {
    @TempDir
    Path root;

    @Test
    void readsTheHypervisorAndThePlatformPciDevice() throws IOException {
        Sysfs sysfs = new Sysfs(FakeDevices.xenSysfs(root));
        assertEquals(Optional.of("xen"), sysfs.hypervisorType());
        assertEquals(new XenVersion(4, 17, ".3"), sysfs.xenVersion());
        assertEquals(GuestType.HVM, sysfs.guestType());
        PlatformPciDevice pci = sysfs.platformPciDevice().orElseThrow();
        assertEquals("0000:00:02.0", pci.address());
        assertEquals(0x5853, pci.vendor());
        assertEquals(0x0001, pci.device());
        assertEquals(0x5853, pci.subsystemVendor());
        assertEquals(0x0001, pci.subsystemDevice());
        assertEquals(0xff8000, pci.classCode());
        assertEquals(Optional.of("xen-platform-pci"), pci.driver());
        assertEquals(24, pci.irq());
        assertEquals(6, pci.bars().size(), "the six standard BARs, not the ROM line");
        assertEquals(new PciBar(0, 0xc000, 0xc0ff, 0x40101), pci.bars().get(0));
        assertEquals(0x1000000, pci.bars().get(1).size());
        assertEquals(0, pci.bars().get(2).size());
        assertTrue(pci.bars().get(0).isIo());
        assertTrue(pci.bars().get(1).isMemory() && pci.bars().get(1).isPrefetchable());
        assertEquals("I/O 0xc000-0xc0ff", pci.bars().get(0).describe());
        assertEquals("memory 0xf0000000-0xf0ffffff prefetchable", pci.bars().get(1).describe());
        assertEquals("0000:00:02.0 5853:0001 (subsystem 5853:0001, class ff8000, irq 24, driver xen-platform-pci)",
                pci.describe());
    }

    @Test
    void findsThePlatformPciDeviceWhereverItSits() throws IOException {
        Sysfs sysfs = new Sysfs(FakeDevices.xenSysfs(root, "0000:00:05.0"));
        assertEquals("0000:00:05.0", sysfs.platformPciDevice().orElseThrow().address());
    }

    @Test
    void aPlatformPciDeviceWithoutADriverSaysSo() throws IOException {
        FakeDevices.xenSysfs(root);
        Files.delete(root.resolve("bus/pci/devices/0000:00:02.0/driver"));
        PlatformPciDevice pci = new Sysfs(root).platformPciDevice().orElseThrow();
        assertEquals(Optional.empty(), pci.driver());
        assertTrue(pci.describe().endsWith("driver none)"), pci.describe());
    }

    @Test
    void aPvGuestHasNoPlatformPciDevice() throws IOException {
        FakeDevices.xenSysfs(root);
        FakeDevices.write(root.resolve("hypervisor/guest_type"), "PV\n");
        Files.writeString(root.resolve("bus/pci/devices/0000:00:02.0/vendor"), "0x1af4\n");
        Sysfs sysfs = new Sysfs(root);
        assertEquals(GuestType.PV, sysfs.guestType());
        assertEquals(Optional.empty(), sysfs.platformPciDevice());
    }

    @Test
    void malformedFilesAreReportedWithTheirPath() throws IOException {
        FakeDevices.xenSysfs(root);
        FakeDevices.write(root.resolve("hypervisor/guest_type"), "HVM-ish\n");
        FakeDevices.write(root.resolve("hypervisor/version/minor"), "seventeen\n");
        FakeDevices.write(root.resolve("bus/pci/devices/0000:00:02.0/resource"), "0xc000 0xc0ff\n");
        Sysfs sysfs = new Sysfs(root);
        assertTrue(assertThrows(IOException.class, sysfs::guestType).getMessage().contains("guest_type"));
        assertTrue(assertThrows(IOException.class, sysfs::xenVersion).getMessage().contains("minor"));
        assertTrue(assertThrows(IOException.class, sysfs::platformPciDevice).getMessage().contains("resource"));
    }

    @Test
    void unbindWritesTheBusIdToTheKernelDriversUnbindFile() throws IOException, PortException {
        Path driver = Files.createDirectories(root.resolve("bus/xen/drivers/vif"));
        Files.createFile(driver.resolve("unbind"));
        Path device = Files.createDirectories(root.resolve("bus/xen/devices/vif-0"));
        Files.createSymbolicLink(device.resolve("driver"), driver);
        Files.createDirectories(root.resolve("bus/xen/devices/vif-1"));
        Sysfs sysfs = new Sysfs(root);

        assertEquals(Optional.of("vif"), sysfs.unbindKernelDriver("vif", "vif-0"));
        assertEquals("vif-0", Files.readString(driver.resolve("unbind")));
        assertEquals(Optional.empty(), sysfs.unbindKernelDriver("vif", "vif-1"), "no driver holds vif-1");
    }

    @Test
    void unbindRefusesBadOrUnknownBusIds() throws IOException {
        Files.createDirectories(root.resolve("bus/xen/devices"));
        Sysfs sysfs = new Sysfs(root);
        for (String bad : new String[] {"../vif-0", "vif-0/../../x", "vif", "vbd-0", "vif-"}) {
            PortException e = assertThrows(PortException.class, () -> sysfs.unbindKernelDriver("vif", bad), bad);
            assertEquals(Errno.EINVAL.number(), e.errno(), bad);
        }
        assertEquals(Errno.ENODEV.number(),
                assertThrows(PortException.class, () -> sysfs.unbindKernelDriver("vif", "vif-7")).errno());
    }
}
