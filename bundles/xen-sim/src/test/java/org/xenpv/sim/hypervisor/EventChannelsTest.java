package org.xenpv.sim.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.platform.spi.Errno;

class EventChannelsTest {
    private Hypervisor hypervisor;
    private Domain dom0;
    private Domain guest;
    private final List<Integer> guestEvents = new ArrayList<>();
    private final List<Integer> dom0Events = new ArrayList<>();

    @BeforeEach
    void domains() throws HypervisorException {
        hypervisor = new Hypervisor(new HypervisorLimits(16, 8));
        dom0 = hypervisor.createDomain(0, "Domain-0");
        guest = hypervisor.createDomain(1, "guest");
    }

    private int[] connect() throws HypervisorException {
        int guestPort = guest.events().allocUnbound(0, guestEvents::add);
        int dom0Port = dom0.events().bindInterdomain(1, guestPort, dom0Events::add);
        return new int[] {guestPort, dom0Port};
    }

    @Test
    void ports_start_at_one_and_bind_both_ways() throws Exception {
        int[] ports = connect();
        assertEquals(1, ports[0]);
        assertEquals(new ChannelState(ChannelState.Kind.INTERDOMAIN, 0, ports[1]), guest.events().state(ports[0]));
        assertEquals(new ChannelState(ChannelState.Kind.INTERDOMAIN, 1, ports[0]), dom0.events().state(ports[1]));
    }

    @Test
    void notify_reaches_the_peer_in_both_directions() throws Exception {
        int[] ports = connect();
        guest.events().send(ports[0]);
        assertEquals(List.of(ports[1]), dom0Events);
        dom0.events().send(ports[1]);
        assertEquals(List.of(ports[0]), guestEvents);
    }

    @Test
    void masked_port_pends_and_fires_once_on_unmask() throws Exception {
        int[] ports = connect();
        dom0.events().mask(ports[1]);
        guest.events().send(ports[0]);
        guest.events().send(ports[0]);
        assertTrue(dom0Events.isEmpty());
        assertTrue(dom0.events().isPending(ports[1]));
        dom0.events().unmask(ports[1]);
        assertEquals(List.of(ports[1]), dom0Events, "pending events coalesce into one upcall");
        assertFalse(dom0.events().isPending(ports[1]));
        dom0.events().unmask(ports[1]);
        assertEquals(1, dom0Events.size(), "no pending event, no upcall");
    }

    @Test
    void only_the_named_domain_may_bind_and_only_an_unbound_port() throws Exception {
        Domain other = hypervisor.createDomain(2, "other");
        int guestPort = guest.events().allocUnbound(0, guestEvents::add);
        HypervisorException wrongDomain = assertThrows(HypervisorException.class,
                () -> other.events().bindInterdomain(1, guestPort, p -> { }));
        assertEquals(Errno.EINVAL, wrongDomain.errno());
        dom0.events().bindInterdomain(1, guestPort, dom0Events::add);
        assertEquals(Errno.EINVAL, assertThrows(HypervisorException.class,
                () -> dom0.events().bindInterdomain(1, guestPort, p -> { })).errno(), "already bound");
        assertEquals(Errno.ESRCH, assertThrows(HypervisorException.class,
                () -> dom0.events().bindInterdomain(7, 1, p -> { })).errno());
        assertEquals(Errno.EINVAL, assertThrows(HypervisorException.class,
                () -> dom0.events().bindInterdomain(1, 0, p -> { })).errno());
    }

    @Test
    void close_by_either_side_is_observed_by_the_other() throws Exception {
        int[] ports = connect();
        dom0.events().close(ports[1]);
        assertEquals(new ChannelState(ChannelState.Kind.UNBOUND, 0, 0), guest.events().state(ports[0]));
        guest.events().send(ports[0]);
        assertTrue(dom0Events.isEmpty(), "a send on an unbound port is dropped");
        assertEquals(Errno.EINVAL, assertThrows(HypervisorException.class, () -> dom0.events().send(ports[1])).errno());
        int rebound = dom0.events().bindInterdomain(1, ports[0], dom0Events::add);
        guest.events().close(ports[0]);
        assertEquals(new ChannelState(ChannelState.Kind.UNBOUND, 1, 0), dom0.events().state(rebound));
        assertEquals(0, guest.events().openPorts());
        assertEquals(1, dom0.events().openPorts());
    }

    @Test
    void ports_run_out_with_a_clear_error_and_come_back() throws Exception {
        for (int i = 1; i < 8; i++) {
            guest.events().allocUnbound(0, p -> { });
        }
        HypervisorException full = assertThrows(HypervisorException.class, () -> guest.events().allocUnbound(0, p -> { }));
        assertEquals(Errno.ENOSPC, full.errno());
        guest.events().close(3);
        assertEquals(3, guest.events().allocUnbound(0, p -> { }));
    }

    @Test
    void destroying_a_domain_unbinds_its_peers() throws Exception {
        int[] ports = connect();
        hypervisor.destroyDomain(1);
        assertEquals(ChannelState.Kind.UNBOUND, dom0.events().state(ports[1]).kind());
        assertTrue(hypervisor.domain(1).isEmpty());
        assertEquals(Errno.ESRCH, assertThrows(HypervisorException.class, () -> hypervisor.destroyDomain(1)).errno());
    }
}
