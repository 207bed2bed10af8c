package org.xenpv.sim.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-port locking of {@link EventChannels} under threads that send,
 * mask, unmask, bind and close at once: independent channels keep Xen's
 * semantics exactly (every send to an unmasked port delivered, an event on a
 * masked port pending until the unmask, nothing delivered through a closed
 * port, no two-ended change half done) and nothing deadlocks.
 */
class EventChannelsConcurrencyTest {
    /** Bound of each wait on the test's threads: far beyond what the work takes, only to name a hang. */
    private static final long BOUND_SECONDS = 60;
    private static final int CHANNELS = 8;
    private static final int SENDS = 20_000;
    /** Sends each closed channel's sender makes after its close returned, each one a chance to deliver wrongly. */
    private static final int SENDS_AFTER_CLOSE = 2_000;

    private Hypervisor hypervisor;
    private Domain dom0;
    private Domain guest;

    @BeforeEach
    void domains() throws HypervisorException {
        hypervisor = new Hypervisor(new HypervisorLimits(16, 64));
        dom0 = hypervisor.createDomain(0, "Domain-0");
        guest = hypervisor.createDomain(1, "guest");
    }

    /** One channel's events as its guest port's handler sees them; the handler runs on the sender's thread. */
    private static final class Receiver {
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong deliveredAfterClose = new AtomicLong();
        /** Set by the sender before each send: whether that send began after the guest's close returned. */
        boolean sendBeganAfterClose;

        void onEvent(int port) {
            delivered.incrementAndGet();
            if (sendBeganAfterClose) {
                deliveredAfterClose.incrementAndGet();
            }
        }
    }

    @Test
    void sends_on_independent_channels_while_some_close_lose_nothing_and_deliver_nothing_after_close()
            throws Exception {
        Receiver[] receivers = new Receiver[CHANNELS];
        int[] guestPorts = new int[CHANNELS];
        int[] dom0Ports = new int[CHANNELS];
        for (int i = 0; i < CHANNELS; i++) {
            Receiver receiver = new Receiver();
            receivers[i] = receiver;
            guestPorts[i] = guest.events().allocUnbound(0, receiver::onEvent);
            dom0Ports[i] = dom0.events().bindInterdomain(1, guestPorts[i], port -> { });
        }
        // The odd channels are closed by the guest mid-storm; the port numbers are then reused by fresh
        // unbound ports whose handlers must never hear of the old channel's sends.
        AtomicBoolean[] closeReturned = new AtomicBoolean[CHANNELS];
        AtomicLong strayDeliveries = new AtomicLong();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CHANNELS; i++) {
            closeReturned[i] = new AtomicBoolean();
            int channel = i;
            boolean closing = i % 2 == 1;
            threads.add(new Thread(() -> {
                Receiver receiver = receivers[channel];
                int afterClose = 0;
                for (int sent = 0; closing ? afterClose < SENDS_AFTER_CLOSE : sent < SENDS; sent++) {
                    boolean after = closeReturned[channel].get();
                    receiver.sendBeganAfterClose = after;
                    try {
                        dom0.events().send(dom0Ports[channel]);
                    } catch (HypervisorException e) {
                        failures.add(e);
                        return;
                    }
                    if (after) {
                        afterClose++;
                    }
                }
            }, "sender-" + i));
        }
        threads.add(new Thread(() -> {
            try {
                for (int i = 1; i < CHANNELS; i += 2) {
                    while (receivers[i].delivered.get() < SENDS / 4 && failures.isEmpty()) {
                        Thread.yield();
                    }
                    guest.events().close(guestPorts[i]);
                    closeReturned[i].set(true);
                    guest.events().allocUnbound(0, port -> strayDeliveries.incrementAndGet());
                }
            } catch (HypervisorException e) {
                failures.add(e);
            }
        }, "closer"));
        threads.forEach(Thread::start);
        joinAll(threads);

        assertEquals(List.of(), failures, "a send on a port whose peer closed is dropped, not refused");
        for (int i = 0; i < CHANNELS; i++) {
            if (i % 2 == 0) {
                assertEquals(SENDS, receivers[i].delivered.get(), "channel " + i + ": every send to an unmasked"
                        + " port is delivered, whatever the other channels do");
                assertEquals(new ChannelState(ChannelState.Kind.INTERDOMAIN, 1, guestPorts[i]),
                        dom0.events().state(dom0Ports[i]));
            } else {
                assertEquals(0, receivers[i].deliveredAfterClose.get(), "channel " + i + ": a send that began"
                        + " after the close returned reached the closed port's handler");
                assertTrue(receivers[i].delivered.get() >= SENDS / 4);
                assertEquals(new ChannelState(ChannelState.Kind.UNBOUND, 1, 0), dom0.events().state(dom0Ports[i]),
                        "channel " + i + ": the peer of a closed port is unbound");
            }
        }
        assertEquals(0, strayDeliveries.get(), "a reused port number got the old channel's events");
        assertEquals(CHANNELS, dom0.events().openPorts());
        assertEquals(CHANNELS, guest.events().openPorts(), "each closed port was replaced by an unbound one");
    }

    @Test
    void an_event_racing_mask_and_unmask_is_delivered_or_left_pending_never_lost() throws Exception {
        AtomicLong lastSeq = new AtomicLong();
        // The latest send any delivery has seen: deliveries come from both threads, so only ever raised.
        AtomicLong seqAtDelivery = new AtomicLong(-1);
        int guestPort = guest.events().allocUnbound(0, port -> seqAtDelivery.accumulateAndGet(lastSeq.get(), Math::max));
        int dom0Port = dom0.events().bindInterdomain(1, guestPort, port -> { });
        AtomicBoolean sending = new AtomicBoolean(true);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread sender = new Thread(() -> {
            try {
                for (int seq = 1; seq <= SENDS; seq++) {
                    lastSeq.set(seq);
                    dom0.events().send(dom0Port);
                }
            } catch (HypervisorException e) {
                failures.add(e);
            } finally {
                sending.set(false);
            }
        }, "sender");
        // The guest's side as its evtchn device does it: the upcall masks, the reader unmasks when done.
        Thread rearmer = new Thread(() -> {
            try {
                while (sending.get()) {
                    guest.events().mask(guestPort);
                    guest.events().unmask(guestPort);
                }
                guest.events().mask(guestPort);
            } catch (HypervisorException e) {
                failures.add(e);
            }
        }, "rearmer");
        joinAll(List.of(sender, rearmer), true);

        assertEquals(List.of(), failures);
        assertTrue(guest.events().isMasked(guestPort));
        if (seqAtDelivery.get() != SENDS) {
            assertTrue(guest.events().isPending(guestPort), "the last event was neither delivered nor left"
                    + " pending: delivered last at send " + seqAtDelivery.get() + " of " + SENDS);
        }
        guest.events().unmask(guestPort);
        assertEquals(SENDS, seqAtDelivery.get(), "after the last unmask, the last send has been delivered");
        assertFalse(guest.events().isPending(guestPort));
        assertFalse(guest.events().isMasked(guestPort));
    }

    @Test
    void both_ends_closing_at_once_while_the_peer_sends_leave_both_free_and_never_deadlock() throws Exception {
        int rounds = 2_000;
        AtomicReference<int[]> ports = new AtomicReference<>();
        CyclicBarrier start = new CyclicBarrier(4);
        CyclicBarrier done = new CyclicBarrier(4);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int side = 0; side < 2; side++) {
            Domain closer = side == 0 ? guest : dom0;
            int index = side;
            threads.add(new Thread(() -> {
                try {
                    for (int round = 0; round < rounds; round++) {
                        start.await(BOUND_SECONDS, TimeUnit.SECONDS);
                        try {
                            closer.events().close(ports.get()[index]);
                        } catch (HypervisorException e) {
                            failures.add(e);
                        }
                        done.await(BOUND_SECONDS, TimeUnit.SECONDS);
                    }
                } catch (Exception e) {
                    failures.add(e);
                }
            }, "closer-" + side));
        }
        // A sender on each end as they close: a send holds its port's lock, which each close needs too.
        threads.add(new Thread(() -> {
            try {
                for (int round = 0; round < rounds; round++) {
                    start.await(BOUND_SECONDS, TimeUnit.SECONDS);
                    for (int i = 0; i < 20; i++) {
                        try {
                            guest.events().send(ports.get()[0]);
                            dom0.events().send(ports.get()[1]);
                        } catch (HypervisorException closedAlready) {
                            break;
                        }
                    }
                    done.await(BOUND_SECONDS, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                failures.add(e);
            }
        }, "sender"));
        threads.forEach(Thread::start);
        for (int round = 0; round < rounds && failures.isEmpty(); round++) {
            int guestPort = guest.events().allocUnbound(0, port -> { });
            int dom0Port = dom0.events().bindInterdomain(1, guestPort, port -> { });
            ports.set(new int[] {guestPort, dom0Port});
            start.await(BOUND_SECONDS, TimeUnit.SECONDS);
            done.await(BOUND_SECONDS, TimeUnit.SECONDS);
            assertEquals(ChannelState.FREE, guest.events().state(guestPort), "round " + round);
            assertEquals(ChannelState.FREE, dom0.events().state(dom0Port), "round " + round);
            assertEquals(0, guest.events().openPorts(), "round " + round);
            assertEquals(0, dom0.events().openPorts(), "round " + round);
        }
        joinAll(threads, false);
        assertEquals(List.of(), failures);
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        joinAll(threads, false);
    }

    private static void joinAll(List<Thread> threads, boolean start) throws InterruptedException {
        if (start) {
            threads.forEach(Thread::start);
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
            assertFalse(thread.isAlive(), thread.getName() + " still running after " + BOUND_SECONDS
                    + " s: a deadlock?");
        }
    }
}
