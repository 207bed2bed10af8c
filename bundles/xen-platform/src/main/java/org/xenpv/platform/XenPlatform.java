package org.xenpv.platform;

import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The platform this guest runs on. Registered once a device-port provider is
 * active (the Linux devices on Xen, or the simulator elsewhere).
 */
@ProviderType
public interface XenPlatform {

    /** Name of the active provider ("linux" or "sim"). */
    String providerName();

    /** Details the provider offers about itself, by name (for example "xenstore socket"). */
    java.util.Map<String, String> providerDetails();

    /** True when the platform is Xen (real or simulated). */
    boolean isXenGuest();

    /** The hypervisor's version. */
    XenVersion xenVersion();

    /** This guest's domain id. */
    int domid();

    GuestType guestType();

    /** The Xen platform PCI device, when the guest has one (HVM guests). */
    Optional<PlatformPciDevice> platformPciDevice();

    /**
     * Issues a hypercall with scalar arguments and returns its result.
     *
     * @throws java.io.IOException naming the hypercall when Xen or the device refuses it
     */
    long hypercall(int op, long... args) throws java.io.IOException;
}
