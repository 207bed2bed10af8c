package org.xenpv.sim.hypervisor;

/**
 * Sizes of the per-domain tables.
 *
 * @param grantEntries grant references per domain, reserved ones included (Xen's default of 64
 *     grant frames holds 32768 version-1 entries)
 * @param eventChannels event-channel ports per domain (4096 with the 2-level ABI on 64-bit guests)
 */
public record HypervisorLimits(int grantEntries, int eventChannels) {
    public static final HypervisorLimits XEN_DEFAULTS = new HypervisorLimits(32768, 4096);

    public HypervisorLimits {
        if (grantEntries <= org.xenpv.abi.grant.Grants.GNTTAB_NR_RESERVED_ENTRIES) {
            throw new IllegalArgumentException("grant table must have more than the reserved entries: " + grantEntries);
        }
        if (eventChannels < 2) {
            throw new IllegalArgumentException("event channel table too small: " + eventChannels);
        }
    }
}
