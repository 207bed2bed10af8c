package org.xenpv.sim.netback;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.HypervisorException;

/**
 * One thread of a domain sending events on some of its ports as fast as it
 * can: the sender of {@link NetbackFault#EVENT_STORM}, and, aimed at ports
 * whose other end no guest serves, a benchmark's control for what such a
 * sender costs the simulator itself (its CPU, the hypervisor's send path)
 * apart from what it costs the guest it targets.
 */
public final class EventStorm {
    private final Domain sender;
    private final int[] ports;
    private final Thread thread;
    private final AtomicLong rounds = new AtomicLong();
    private volatile boolean stopped;

    private EventStorm(Domain sender, String threadName, int[] ports) {
        this.sender = sender;
        this.ports = ports.clone();
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
    }

    /**
     * Starts a thread named {@code threadName} that sends on each of {@code ports} of {@code sender} in turn,
     * again and again, until {@link #stop()}.
     */
    public static EventStorm start(Domain sender, String threadName, int... ports) {
        if (ports.length == 0) {
            throw new IllegalArgumentException("a storm needs at least one port");
        }
        EventStorm storm = new EventStorm(sender, threadName, ports);
        storm.thread.start();
        return storm;
    }

    private void run() {
        while (!stopped) {
            for (int port : ports) {
                try {
                    sender.events().send(port);
                } catch (HypervisorException closed) {
                    // the port's owner closed it: whoever closed it ends the storm
                }
            }
            rounds.incrementAndGet();
            // As fast as it can, but leaving the CPU to others when asked: the simulator is one process.
            Thread.yield();
        }
    }

    /** Rounds sent so far: one event on each port per round. */
    public long events() {
        return rounds.get();
    }

    /** Ends the storm and waits (at most 10 s) for its thread; from the storm's own thread it only ends it. */
    public void stop() {
        stopped = true;
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
