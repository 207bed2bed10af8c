package org.xenpv.netfront.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * A step that reads the state it acts on when it runs, requested from other
 * threads (a watch, a retry): at most one run is queued at a time, since a
 * queued run that has not begun will read what a later request would. The
 * queued mark is cleared before the step reads anything, never after, so a
 * request that comes after that read always queues another run.
 */
final class CoalescedRun {
    private final AtomicBoolean queued = new AtomicBoolean();
    private final Predicate<Runnable> executor;
    private final Runnable step;

    /**
     * @param executor runs what it is given later on the step's thread; false when it no longer takes work
     *     (closing: nothing more is requested then)
     */
    CoalescedRun(Predicate<Runnable> executor, Runnable step) {
        this.executor = executor;
        this.step = step;
    }

    /** Queues a run unless one is queued that has not begun. */
    void request() {
        if (queued.compareAndSet(false, true) && !executor.test(this::run)) {
            queued.set(false);
        }
    }

    private void run() {
        queued.set(false);
        step.run();
    }
}
