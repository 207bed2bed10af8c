package org.xenpv.capture.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for observed state, up to a deadline. */
final class Await {
    static final long DEADLINE_MILLIS = 20_000;

    private Await() {
    }

    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + DEADLINE_MILLIS + " ms waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
    }

    /** Whether a capture writer thread is alive. */
    static boolean captureThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith(Capture.THREAD_PREFIX));
    }

    static void noCaptureThreadLeft() {
        until("no " + Capture.THREAD_PREFIX + "* thread left", () -> !captureThreadsAlive());
    }
}
