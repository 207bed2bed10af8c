package org.xenpv.platform.spi;

import java.util.Objects;
import java.util.Optional;

import org.xenpv.platform.GuestType;
import org.xenpv.platform.PlatformPciDevice;
import org.xenpv.platform.XenVersion;

/** What a provider learned about the platform when it activated. */
public record PlatformFacts(GuestType guestType, XenVersion version, int domid,
        Optional<PlatformPciDevice> platformPciDevice) {
    public PlatformFacts {
        Objects.requireNonNull(guestType, "guestType");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(platformPciDevice, "platformPciDevice");
        if (domid < 0 || domid > 0x7fef) {
            throw new IllegalArgumentException("domid out of range: " + domid);
        }
    }
}
