package org.xenpv.evtchn.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.xenpv.evtchn.EventChannel;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.ports.SimDevicePorts;

/** Event channels without OSGi, as the simulated host and the real-Xen probe use them. */
class StandaloneEventChannelsTest {
    private static final int GUEST = 6;

    private static Set<Thread> dispatchers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("xenpv-evtchn-dispatcher"))
                .collect(Collectors.toSet());
    }

    @Test
    void eventsFlowBothWaysAndCloseClosesEveryPortAndEndsTheDispatcher() throws Exception {
        Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(16, 32));
        Domain dom0 = hypervisor.createDomain(0, "Domain-0");
        Domain guest = hypervisor.createDomain(GUEST, "guest");
        SimDevicePorts ports = new SimDevicePorts(guest, null);
        Set<Thread> before = dispatchers();
        StandaloneEventChannels events = StandaloneEventChannels.open(ports.openEventChannelPort());
        Set<Thread> own = dispatchers();
        own.removeAll(before);
        assertEquals(1, own.size(), "a dispatcher thread of its own");
        BlockingQueue<Integer> atGuest = new LinkedBlockingQueue<>();
        BlockingQueue<Integer> atDom0 = new LinkedBlockingQueue<>();

        EventChannel channel = events.bindUnbound(0, c -> atGuest.add(c.localPort()));
        int dom0Port = dom0.events().bindInterdomain(GUEST, channel.localPort(), atDom0::add);
        dom0.events().send(dom0Port);
        assertEquals(channel.localPort(), atGuest.poll(10, TimeUnit.SECONDS));
        channel.notifyRemote();
        assertEquals(dom0Port, atDom0.poll(10, TimeUnit.SECONDS));
        assertEquals(1, events.portsOpen());
        assertEquals(1, events.eventsDispatched());

        events.close();

        assertEquals(0, events.portsOpen());
        assertEquals(0, guest.events().openPorts(), "the guest's port is closed");
        assertEquals(0, ports.openPorts(), "the event-channel port is closed");
        assertFalse(own.iterator().next().isAlive(), "close waited for the dispatcher to end");
    }
}
