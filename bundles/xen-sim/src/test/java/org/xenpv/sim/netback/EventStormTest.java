package org.xenpv.sim.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorLimits;

class EventStormTest {
    private static final String NAME = "xenpv-sim-storm-test";

    @Test
    void sends_a_round_on_every_port_until_stopped_and_outlives_a_port_its_peer_closed() throws Exception {
        Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(16, 8));
        Domain dom0 = hypervisor.createDomain(0, "Domain-0");
        Domain sink = hypervisor.createDomain(3, "sink");
        AtomicLong first = new AtomicLong();
        AtomicLong second = new AtomicLong();
        int firstSink = sink.events().allocUnbound(0, port -> first.incrementAndGet());
        int secondSink = sink.events().allocUnbound(0, port -> second.incrementAndGet());
        int[] ports = {dom0.events().bindInterdomain(3, firstSink, port -> { }),
            dom0.events().bindInterdomain(3, secondSink, port -> { })};

        EventStorm storm = EventStorm.start(dom0, NAME, ports);
        try {
            while (second.get() < 1_000) {
                Thread.yield();
            }
            sink.events().close(secondSink);
            long closedAt = second.get();
            long roundsAtClose = storm.events();
            while (storm.events() < roundsAtClose + 1_000) {
                Thread.yield();
            }
            assertTrue(stormThreadAlive(), "a send on a port whose peer closed is dropped; the storm goes on");
            // A send that took its handler before the close may still call it: one at most, the storm has one thread.
            assertTrue(second.get() <= closedAt + 1, "events reached a closed port: " + (second.get() - closedAt));
        } finally {
            storm.stop();
        }

        assertFalse(stormThreadAlive(), "stop() waits for the thread");
        assertEquals(storm.events(), first.get(), "one event on each port per round, every one delivered");
        assertThrows(IllegalArgumentException.class, () -> EventStorm.start(dom0, NAME));
    }

    private static boolean stormThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(NAME) && t.isAlive());
    }
}
