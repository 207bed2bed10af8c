package org.xenpv.platform.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One world the stack can run in: the Linux kernel's /dev/xen devices, or the
 * simulator. A provider registers this service only when it can actually serve
 * the ports; exactly one is expected to be active at a time.
 */
@ConsumerType
public interface DevicePortProvider {

    /** Service property naming the provider, with the value of {@link #name()}. */
    String PROVIDER_PROPERTY = "xenpv.provider";

    /** "linux" or "sim". */
    String name();

    /** What the provider found out about the platform when it activated. */
    PlatformFacts platformFacts();

    /**
     * Details worth showing about the provider, by name (for example the
     * simulator's XenStore socket, or the Linux device directory).
     */
    default java.util.Map<String, String> details() {
        return java.util.Map.of();
    }

    /** Opens the hypercall port (/dev/xen/privcmd). */
    HypercallPort openHypercallPort() throws PortException;

    /** Opens an event-channel port (/dev/xen/evtchn). */
    EventChannelPort openEventChannelPort() throws PortException;

    /** Opens a grant-allocation port (/dev/xen/gntalloc). */
    GrantAllocPort openGrantAllocPort() throws PortException;

    /** Opens a XenStore message channel (/dev/xen/xenbus). */
    XenbusPort openXenbusPort() throws PortException;

    /**
     * Detaches the kernel's own driver from a XenBus device so that this stack
     * can drive it (on Linux: writes {@code busId} to the driver's sysfs
     * {@code unbind}). Does nothing when no kernel driver holds the device.
     *
     * @param deviceClass the XenBus class, for example "vif"
     * @param busId the device's bus id, for example "vif-0"
     */
    void detachKernelDriver(String deviceClass, String busId) throws PortException;
}
