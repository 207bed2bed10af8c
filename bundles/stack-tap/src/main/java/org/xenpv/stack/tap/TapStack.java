package org.xenpv.stack.tap;

import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** One Nic exposed to the guest kernel as a TAP interface. */
@ProviderType
public interface TapStack {
    /** Factory PID of the configurations that make TAP stacks. */
    String FACTORY_PID = "org.xenpv.stack.tap";
    /** Configuration key: an LDAP filter choosing the Nic, for example (nic.device=vif-0). */
    String KEY_NIC_TARGET = "nic.target";
    /** Configuration key: the TAP interface's name, for example xenpv0. */
    String KEY_INTERFACE = "interface";

    /** Whether the interface exists. */
    enum State {
        /** The interface exists and frames flow while the Nic is ACTIVE. */
        RUNNING,
        /** The interface could not be made: {@link #failure()} says why. */
        FAILED,
        /** The configuration, the Nic or the bundle went away: the interface is gone. */
        CLOSED
    }

    /**
     * Frames through the stack, both ways.
     *
     * @param fromKernel frames the kernel sent through the interface
     * @param toNic frames the Nic queued for the backend
     * @param toNicDropped frames from the kernel that the Nic did not take (not ACTIVE, too large, an
     *     offload it cannot do, or no room for a long time)
     * @param toKernel frames from the Nic that the kernel took
     * @param toKernelDropped frames from the Nic that the kernel refused (interface down) or whose blank
     *     checksum could not be located
     * @param checksumsCompleted frames whose partial checksum netif could not express, finished in software
     */
    record Counters(long fromKernel, long toNic, long toNicDropped, long toKernel, long toKernelDropped,
            long checksumsCompleted) {
    }

    String interfaceName();

    /** The name of the Nic it carries. */
    String nicName();

    State state();

    Optional<String> failure();

    Counters counters();
}
