package org.xenpv.platform;

/** How the guest is virtualised, as /sys/hypervisor/guest_type reports it. */
public enum GuestType {
    HVM, PVH, PV,
    /** Not running on Xen. */
    NONE
}
