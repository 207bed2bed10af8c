package org.xenpv.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.PortException;

/** The provider serves only where the Xen devices are, and says why not elsewhere. */
class ActivationTest {
    @TempDir
    Path dir;

    private LinuxXenDevices devices() {
        return new LinuxXenDevices(dir.resolve("dev/xen"), new Sysfs(dir.resolve("sys")));
    }

    @Test
    void aMachineWithoutXenIsRefusedWithTheReason() {
        String reason = devices().whyUnavailable().orElseThrow();
        assertTrue(reason.startsWith("not a Xen guest") && reason.contains("hypervisor/type"), reason);
    }

    @Test
    void anotherHypervisorIsRefused() throws Exception {
        FakeDevices.write(dir.resolve("sys/hypervisor/type"), "kvm\n");
        assertTrue(devices().whyUnavailable().orElseThrow().contains("'kvm'"));
    }

    @Test
    void aXenGuestWithoutADeviceNamesTheModuleToLoad() throws Exception {
        FakeDevices.xenSysfs(dir.resolve("sys"));
        Path dev = Files.createDirectories(dir.resolve("dev/xen"));
        FakeDevices.devNull(dev, "privcmd");
        FakeDevices.devNull(dev, "evtchn");
        FakeDevices.devNull(dev, "xenbus");
        String reason = devices().whyUnavailable().orElseThrow();
        assertTrue(reason.contains("gntalloc") && reason.contains("xen-gntalloc"), reason);
        FakeDevices.devNull(dev, "gntalloc");
        assertEquals(Optional.empty(), devices().whyUnavailable());
    }

    @Test
    void thisMachineWithoutDevXenIsRefused() {
        Assumptions.assumeFalse(Files.exists(Path.of("/dev/xen/privcmd")), "this machine is a Xen guest");
        LinuxProviderConfig defaults = new LinuxProviderConfig() {
            @Override
            public Class<LinuxProviderConfig> annotationType() {
                return LinuxProviderConfig.class;
            }

            @Override
            public String devRoot() {
                return "/dev/xen";
            }

            @Override
            public String sysRoot() {
                return "/sys";
            }
        };
        assertTrue(LinuxXenDevices.of(defaults).whyUnavailable().isPresent());
    }

    @Test
    void activationReadsTheDomidFromXenStoreAndRefusesAMalformedReply() throws Exception {
        FakeDevices.xenSysfs(dir.resolve("sys"));
        Path dev = Files.createDirectories(dir.resolve("dev/xen"));
        // A FIFO echoes the provider's own XS_READ request back as the "reply": a reply that is not a domid.
        FakeDevices.fifo(dev, "xenbus");
        PortException e = assertThrows(PortException.class, () -> new LinuxDevicePorts(devices()));
        assertEquals(Errno.EIO.number(), e.errno());
        assertTrue(e.getMessage().contains("malformed XenStore reply"), e.getMessage());
    }
}
