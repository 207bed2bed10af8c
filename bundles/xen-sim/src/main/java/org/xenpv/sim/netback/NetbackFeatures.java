package org.xenpv.sim.netback;

/**
 * What the simulated netback offers; each optional feature can be switched
 * off to test a frontend against an older backend.
 */
public record NetbackFeatures(boolean rxCopy, boolean sg, boolean gsoTcpv4, boolean gsoTcpv6,
        boolean ipv6CsumOffload, boolean rxNotify, boolean splitEventChannels, int maxQueues) {
    /** What Linux xen-netback offers on a machine with 4 cores. */
    public static final NetbackFeatures LINUX = new NetbackFeatures(true, true, true, true, true, true, true, 4);

    public NetbackFeatures {
        if (maxQueues < 1) {
            throw new IllegalArgumentException("maxQueues must be at least 1, got " + maxQueues);
        }
    }
}
