package org.xenpv.sim.netback;

/**
 * Whether the toolstack gives each vif's backend a host interface
 * ({@code vif<domid>.<handle>}) instead of a port on the in-process switch,
 * and the Linux bridge it adds them to, as libxl's {@code bridge=} does.
 *
 * @param enabled host interfaces rather than the switch
 * @param bridge the bridge the interfaces join; empty: none
 */
public record HostInterfaces(boolean enabled, String bridge) {
    /** Every vif on the in-process switch. */
    public static final HostInterfaces OFF = new HostInterfaces(false, "");

    public HostInterfaces {
        bridge = bridge == null ? "" : bridge.trim();
        if (!enabled && !bridge.isEmpty()) {
            throw new IllegalArgumentException("bridge " + bridge + " is for host interfaces, which are off");
        }
    }
}
