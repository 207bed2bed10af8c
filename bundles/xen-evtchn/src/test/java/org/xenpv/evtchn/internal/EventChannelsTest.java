package org.xenpv.evtchn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.evtchn.EventChannel;
import org.xenpv.sim.hypervisor.ChannelState;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.ports.SimDevicePorts;

/** Event channels against the simulated hypervisor, with dom0 as the peer. */
class EventChannelsTest {
    private static final int GUEST = 4;
    private static final long WAIT = 10;

    private Domain dom0;
    private Domain guest;
    private EventDispatcher dispatcher;
    private BundleEventChannels channels;
    private final BlockingQueue<Integer> dom0Events = new LinkedBlockingQueue<>();

    @BeforeEach
    void simulator() throws Exception {
        Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(16, 32));
        dom0 = hypervisor.createDomain(0, "Domain-0");
        guest = hypervisor.createDomain(GUEST, "guest");
        dispatcher = EventDispatcher.forPort(new SimDevicePorts(guest, null).openEventChannelPort());
        channels = new BundleEventChannels(dispatcher);
    }

    @AfterEach
    void stop() throws Exception {
        channels.deactivate();
        dispatcher.deactivate();
    }

    private int bindDom0(EventChannel channel) throws Exception {
        return dom0.events().bindInterdomain(GUEST, channel.localPort(), dom0Events::add);
    }

    @Test
    void events_flow_both_ways_and_handlers_run_on_the_dispatcher() throws Exception {
        BlockingQueue<String> threads = new LinkedBlockingQueue<>();
        EventChannel channel = channels.bindUnbound(0, c -> threads.add(Thread.currentThread().getName()));
        int dom0Port = bindDom0(channel);
        dom0.events().send(dom0Port);
        assertEquals("xenpv-evtchn-dispatcher", threads.poll(WAIT, TimeUnit.SECONDS));
        channel.notifyRemote();
        assertEquals(dom0Port, dom0Events.poll(WAIT, TimeUnit.SECONDS));
        dom0.events().send(dom0Port);
        assertTrue(threads.poll(WAIT, TimeUnit.SECONDS) != null, "re-armed after the first event");
        assertEquals(2, dispatcher.eventsDispatched());
    }

    @Test
    void the_management_view_shows_ports_dispatches_and_failures() throws Exception {
        javax.management.MBeanServer server = javax.management.MBeanServerFactory.newMBeanServer();
        javax.management.ObjectName name = new javax.management.ObjectName("org.xenpv:type=EventChannels");
        // Aries JMX whiteboard (Karaf's management feature) registers a service as an MXBean only when it
        // implements <its class name>MXBean; the object itself goes to the MBean server, as here.
        assertEquals(EventChannelsManagement.class.getName() + "MXBean",
                EventChannelsManagementMXBean.class.getName());
        server.registerMBean(new EventChannelsManagement(dispatcher), name);
        BlockingQueue<Integer> handled = new LinkedBlockingQueue<>();
        EventChannel channel = channels.bindUnbound(0, c -> {
            handled.add(c.localPort());
            throw new IllegalStateException("a handler that fails");
        });
        int dom0Port = bindDom0(channel);
        assertEquals(1, server.getAttribute(name, "PortsOpen"));
        dom0.events().send(dom0Port);
        assertEquals(channel.localPort(), handled.poll(WAIT, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
        while ((Long) server.getAttribute(name, "HandlerFailures") < 1 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(1L, server.getAttribute(name, "EventsDispatched"));
        assertEquals(1L, server.getAttribute(name, "HandlerFailures"));
        channel.close();
        assertEquals(0, server.getAttribute(name, "PortsOpen"));
    }

    @Test
    void port_is_rearmed_only_after_its_handler_returns() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger running = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        BlockingQueue<Integer> done = new LinkedBlockingQueue<>();
        EventChannel channel = channels.bindUnbound(0, c -> {
            if (running.incrementAndGet() > 1) {
                overlapped.set(true);
            }
            int call = calls.incrementAndGet();
            if (call == 1) {
                inHandler.countDown();
                await(release);
            }
            running.decrementAndGet();
            done.add(call);
        });
        int dom0Port = bindDom0(channel);
        dom0.events().send(dom0Port);
        assertTrue(inHandler.await(WAIT, TimeUnit.SECONDS));
        dom0.events().send(dom0Port);
        dom0.events().send(dom0Port);
        assertTrue(guest.events().isPending(channel.localPort()), "events during the handler wait, masked");
        release.countDown();
        assertEquals(1, done.poll(WAIT, TimeUnit.SECONDS));
        assertEquals(2, done.poll(WAIT, TimeUnit.SECONDS), "the events sent meanwhile fire once, after unmask");
        assertNull(done.poll(200, TimeUnit.MILLISECONDS), "coalesced: no third call");
        assertFalse(overlapped.get());
    }

    @Test
    void close_waits_for_a_running_handler_and_no_event_follows() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean closed = new AtomicBoolean();
        AtomicBoolean calledAfterClose = new AtomicBoolean();
        EventChannel channel = channels.bindUnbound(0, c -> {
            if (closed.get()) {
                calledAfterClose.set(true);
            }
            inHandler.countDown();
            await(release);
        });
        int dom0Port = bindDom0(channel);
        dom0.events().send(dom0Port);
        assertTrue(inHandler.await(WAIT, TimeUnit.SECONDS));
        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
            channel.close();
            closed.set(true);
        });
        Thread.onSpinWait();
        assertFalse(closing.isDone(), "close waits for the running handler");
        release.countDown();
        closing.get(WAIT, TimeUnit.SECONDS);
        assertEquals(ChannelState.Kind.UNBOUND, dom0.events().state(dom0Port).kind(), "dom0 sees the port closed");
        dom0.events().send(dom0Port);
        assertFalse(calledAfterClose.get());
        assertEquals(0, channels.portsOpen());
        assertThrows(IllegalStateException.class, channel::notifyRemote);
    }

    @Test
    void handler_may_close_its_own_channel() throws Exception {
        CountDownLatch closedInside = new CountDownLatch(1);
        EventChannel channel = channels.bindUnbound(0, c -> {
            c.close();
            closedInside.countDown();
        });
        dom0.events().send(bindDom0(channel));
        assertTrue(closedInside.await(WAIT, TimeUnit.SECONDS));
        assertFalse(channel.isOpen());
        assertEquals(0, guest.events().openPorts());
    }

    @Test
    void a_failing_handler_is_counted_and_its_port_rearmed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch twice = new CountDownLatch(2);
        EventChannel channel = channels.bindUnbound(0, c -> {
            calls.incrementAndGet();
            twice.countDown();
            throw new IllegalStateException("handler bug");
        });
        int dom0Port = bindDom0(channel);
        dom0.events().send(dom0Port);
        waitUntil(() -> dispatcher.handlerFailures() == 1);
        dom0.events().send(dom0Port);
        assertTrue(twice.await(WAIT, TimeUnit.SECONDS));
        waitUntil(() -> dispatcher.handlerFailures() == 2);
    }

    @Test
    void spurious_events_delay_the_rearming_more_each_time_and_work_ends_the_delay() throws Exception {
        AtomicBoolean work = new AtomicBoolean();
        EventChannel channel = channels.bindUnboundLateEoi(0, c -> work.get());
        int dom0Port = bindDom0(channel);
        // A first spurious event costs nothing; then 1 ms, doubling per spurious event, up to 1 s.
        long[] expectedMillis = {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000};
        for (int k = 1; k <= expectedMillis.length; k++) {
            dom0.events().send(dom0Port);
            long events = k;
            waitUntil(() -> channel.spuriousEvents() == events);
            assertEquals(expectedMillis[k - 1], channel.rearmDelayMillis(), "delay after spurious event " + k);
            assertEquals(Math.max(0, k - 1), channel.delayedRearms(), "delayed re-armings after event " + k);
        }
        // Held masked for a second: the peer's next event waits as pending instead of reaching the handler.
        dom0.events().send(dom0Port);
        assertTrue(guest.events().isPending(channel.localPort()), "the event waits on the masked port");
        work.set(true);
        long dispatchedBefore = dispatcher.eventsDispatched();
        waitUntil(() -> dispatcher.eventsDispatched() == dispatchedBefore + 1);
        assertEquals(0, channel.rearmDelayMillis(), "work found: re-armed at once again");
        assertEquals(expectedMillis.length, channel.spuriousEvents());
        assertEquals(expectedMillis.length, dispatcher.spuriousEvents());
        assertEquals(expectedMillis.length - 1, dispatcher.delayedRearms());
        dom0.events().send(dom0Port);
        waitUntil(() -> dispatcher.eventsDispatched() == dispatchedBefore + 2);
    }

    @Test
    void a_storming_port_does_not_hold_up_another_ports_events() throws Exception {
        EventChannel storming = channels.bindUnboundLateEoi(0, c -> false);
        int stormPort = bindDom0(storming);
        BlockingQueue<Integer> quiet = new LinkedBlockingQueue<>();
        EventChannel other = channels.bindUnboundLateEoi(0, c -> quiet.add(c.localPort()));
        int otherPort = bindDom0(other);
        AtomicBoolean storm = new AtomicBoolean(true);
        Thread stormer = new Thread(() -> {
            while (storm.get()) {
                try {
                    dom0.events().send(stormPort);
                } catch (Exception e) {
                    return;
                }
                Thread.yield();
            }
        }, "test-storm");
        stormer.start();
        try {
            waitUntil(() -> storming.delayedRearms() >= 3);
            for (int i = 0; i < 50; i++) {
                dom0.events().send(otherPort);
                assertEquals(other.localPort(), quiet.poll(WAIT, TimeUnit.SECONDS),
                        "event " + i + " of the quiet port");
            }
        } finally {
            storm.set(false);
            stormer.join();
        }
        assertEquals(0, other.spuriousEvents());
        assertEquals(0, other.delayedRearms());
        assertTrue(storming.rearmDelayMillis() >= 4, "the storm is backed off: " + storming.rearmDelayMillis() + " ms");
        assertEquals(storming.spuriousEvents(), dispatcher.spuriousEvents(), "the dispatcher's count is the ports'");
    }

    @Test
    void binding_to_a_peer_port_and_bad_arguments() throws Exception {
        int dom0Port = dom0.events().allocUnbound(GUEST, dom0Events::add);
        BlockingQueue<Integer> fired = new LinkedBlockingQueue<>();
        EventChannel channel = channels.bindInterdomain(0, dom0Port, c -> fired.add(c.localPort()));
        dom0.events().send(dom0Port);
        assertEquals(channel.localPort(), fired.poll(WAIT, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> channels.bindInterdomain(0, 0, c -> { }));
        assertThrows(IllegalArgumentException.class, () -> channels.bindUnbound(0x7ff2, c -> { }));
        assertThrows(NullPointerException.class, () -> channels.bindUnbound(0, null));
        assertTrue(assertThrows(java.io.IOException.class, () -> channels.bindInterdomain(0, 30, c -> { }))
                .getMessage().contains("EINVAL"));
    }

    @Test
    void letting_go_of_the_service_closes_the_bundles_ports_and_stopping_ends_the_thread() throws Exception {
        channels.bindUnbound(0, c -> { });
        channels.bindUnbound(0, c -> { });
        assertEquals(2, dispatcher.portsOpen());
        channels.deactivate();
        assertEquals(0, guest.events().openPorts());
        assertEquals(0, dispatcher.portsOpen());
        dispatcher.deactivate();
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("xenpv-evtchn-dispatcher") && t.isAlive()));
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within " + WAIT + " s");
            }
            Thread.sleep(5);
        }
    }
}
