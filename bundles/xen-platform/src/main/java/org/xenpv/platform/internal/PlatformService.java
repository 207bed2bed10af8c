package org.xenpv.platform.internal;

import java.io.IOException;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.xenpv.platform.GuestType;
import org.xenpv.platform.PlatformPciDevice;
import org.xenpv.platform.XenPlatform;
import org.xenpv.platform.XenVersion;
import org.xenpv.platform.spi.DevicePortProvider;
import org.xenpv.platform.spi.HypercallPort;
import org.xenpv.platform.spi.PlatformFacts;

/** The platform as the active device-port provider found it. */
@Component
public final class PlatformService implements XenPlatform {
    private final DevicePortProvider provider;
    private final PlatformFacts facts;
    private HypercallPort hypercalls;

    @Activate
    public PlatformService(@Reference(policyOption = ReferencePolicyOption.GREEDY) DevicePortProvider provider) {
        this.provider = provider;
        this.facts = provider.platformFacts();
    }

    @Deactivate
    synchronized void deactivate() {
        if (hypercalls != null) {
            hypercalls.close();
            hypercalls = null;
        }
    }

    @Override
    public String providerName() {
        return provider.name();
    }

    @Override
    public java.util.Map<String, String> providerDetails() {
        return provider.details();
    }

    @Override
    public boolean isXenGuest() {
        return facts.guestType() != GuestType.NONE;
    }

    @Override
    public XenVersion xenVersion() {
        return facts.version();
    }

    @Override
    public int domid() {
        return facts.domid();
    }

    @Override
    public GuestType guestType() {
        return facts.guestType();
    }

    @Override
    public Optional<PlatformPciDevice> platformPciDevice() {
        return facts.platformPciDevice();
    }

    @Override
    public long hypercall(int op, long... args) throws IOException {
        return hypercallPort().hypercall(op, args);
    }

    private synchronized HypercallPort hypercallPort() throws IOException {
        if (hypercalls == null) {
            hypercalls = provider.openHypercallPort();
        }
        return hypercalls;
    }

    @Override
    public String toString() {
        return "Xen " + facts.version() + " " + facts.guestType() + " guest, domid " + facts.domid() + " (provider "
                + provider.name() + ")";
    }
}
