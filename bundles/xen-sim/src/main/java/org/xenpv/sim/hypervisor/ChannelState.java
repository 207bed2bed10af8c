package org.xenpv.sim.hypervisor;

/**
 * What a port is, as EVTCHNOP_status reports it.
 *
 * @param kind free, unbound (waiting for {@code remoteDomid}) or interdomain
 * @param remoteDomid the domain allowed to bind (unbound) or bound (interdomain); -1 when free
 * @param remotePort the remote port when interdomain, else 0
 */
public record ChannelState(Kind kind, int remoteDomid, int remotePort) {
    public enum Kind { FREE, UNBOUND, INTERDOMAIN }

    static final ChannelState FREE = new ChannelState(Kind.FREE, -1, 0);
}
