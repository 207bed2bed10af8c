package org.xenpv.platform.linux.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The guest kernel's Xen devices under one directory, and whether this machine has them. */
final class LinuxXenDevices {
    static final String PRIVCMD = "privcmd";
    static final String EVTCHN = "evtchn";
    static final String GNTALLOC = "gntalloc";
    static final String XENBUS = "xenbus";

    private final Path devRoot;
    private final Sysfs sysfs;

    LinuxXenDevices(Path devRoot, Sysfs sysfs) {
        this.devRoot = devRoot;
        this.sysfs = sysfs;
    }

    static LinuxXenDevices of(LinuxProviderConfig config) {
        return new LinuxXenDevices(Path.of(config.devRoot()), new Sysfs(Path.of(config.sysRoot())));
    }

    Sysfs sysfs() {
        return sysfs;
    }

    String path(String device) {
        return devRoot.resolve(device).toString();
    }

    /** Why the provider cannot serve on this machine, or empty when it can. */
    Optional<String> whyUnavailable() {
        Path type = sysfs.root().resolve("hypervisor/type");
        Optional<String> hypervisor = sysfs.hypervisorType();
        if (hypervisor.isEmpty()) {
            return Optional.of("not a Xen guest (" + type + " does not exist)");
        }
        if (!hypervisor.get().equals("xen")) {
            return Optional.of("not a Xen guest (" + type + " says '" + hypervisor.get() + "')");
        }
        String[][] devices = {{PRIVCMD, "xen-privcmd"}, {EVTCHN, "xen-evtchn"}, {GNTALLOC, "xen-gntalloc"},
            {XENBUS, "xenfs or a kernel with the xenbus frontend device"}};
        for (String[] device : devices) {
            Path file = devRoot.resolve(device[0]);
            if (!Files.exists(file)) {
                return Optional.of("a Xen guest, but " + file + " does not exist (load " + device[1] + ")");
            }
        }
        return Optional.empty();
    }
}
