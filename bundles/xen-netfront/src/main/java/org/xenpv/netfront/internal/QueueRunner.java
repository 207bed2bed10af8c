package org.xenpv.netfront.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue's thread, as Linux gives each queue its own interrupt and NAPI
 * instance: it runs its agent's passes while work is due and its idle
 * strategy in between (as Agrona's AgentRunner runs an Agent with an
 * IdleStrategy). An event only wakes it, so a slow stack on one queue delays
 * neither another queue nor another vif, and the event dispatcher runs no
 * driver work.
 *
 * <p>The wake-up is one flag: set by whoever has work for the thread (then an
 * unpark if it was clear), cleared by the thread before each pass. Clearing
 * before the pass reads the rings means a wake-up after the clear is seen by
 * the next look, never lost.
 */
final class QueueRunner {
    private static final Logger LOG = LoggerFactory.getLogger(QueueRunner.class);
    private static final VarHandle WOKEN;

    static {
        try {
            WOKEN = MethodHandles.lookup().findVarHandle(QueueRunner.class, "woken", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What the thread runs. */
    interface Agent {
        /** One pass over the queue's rings. @return whether another pass is due at once (a budget ran out) */
        boolean doWork();

        /** The thread met a bug, not the backend: the queue cannot go on without it. */
        void threadFailed(Throwable failure);
    }

    /** What the thread does between passes. */
    interface IdleStrategy {
        /** Looks for work for a while without sleeping. @return whether a pass is due */
        boolean poll(QueueRunner runner);

        /** Sleeps until woken, or on a timer of its own; returning lets the runner look again. */
        void sleep(QueueRunner runner);
    }

    private final Thread thread;
    /** What the thread parks on: a thread dump names it. */
    private final Object blocker;
    private final Agent agent;
    private final IdleStrategy idle;
    @SuppressWarnings("unused") // through WOKEN
    private volatile boolean woken;
    private volatile boolean running = true;

    QueueRunner(String threadName, Object blocker, Agent agent, IdleStrategy idle) {
        this.blocker = blocker;
        this.agent = agent;
        this.idle = idle;
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        while (running) {
            if (!(boolean) WOKEN.getAndSet(this, false) && !idle.poll(this)) {
                idle.sleep(this);
                continue;
            }
            try {
                if (agent.doWork()) {
                    WOKEN.setVolatile(this, true);
                }
            } catch (RuntimeException | Error e) {
                LOG.error("{}: its thread failed", thread.getName(), e);
                agent.threadFailed(e);
                return;
            }
        }
    }

    /** Lets the thread run a pass; called for every event, so it allocates nothing. */
    void wake() {
        // A write, not a read then a write: the thread's clearing of the flag then sees this wake-up's ring state.
        if (!(boolean) WOKEN.getAndSet(this, true)) {
            LockSupport.unpark(thread);
        }
    }

    /** For the thread itself: a pass is due, with no unpark (it is awake). */
    void wakeSelf() {
        WOKEN.setVolatile(this, true);
    }

    /** Whether the thread was woken and has not begun the pass it owes. */
    boolean wakePending() {
        return (boolean) WOKEN.getVolatile(this);
    }

    /** Takes a pending wake-up (the thread begins the pass it owes). */
    boolean takeWake() {
        return (boolean) WOKEN.getVolatile(this) && (boolean) WOKEN.getAndSet(this, false);
    }

    boolean running() {
        return running;
    }

    /** Sleeps until woken or stopped; looked at again first, since an unpark may have been taken meanwhile. */
    void park() {
        if (running && !wakePending()) {
            LockSupport.park(blocker);
        }
    }

    void parkNanos(long nanos) {
        LockSupport.parkNanos(blocker, nanos);
    }

    /** Stops the thread and waits up to {@code millis} for it to end; false when it did not. */
    boolean stop(long millis) {
        running = false;
        LockSupport.unpark(thread);
        if (Thread.currentThread() == thread) {
            return true;
        }
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }
}
