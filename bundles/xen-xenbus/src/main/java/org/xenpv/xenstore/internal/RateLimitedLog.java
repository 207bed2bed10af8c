package org.xenpv.xenstore.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;

/**
 * Warnings about what the other end sent, at a bounded rate: a peer that
 * sends nonsense as fast as it can gets {@code burst} lines per interval, and
 * the next line that gets through says how many were held back. The counts
 * themselves are kept by the caller, so nothing is lost but the text.
 */
final class RateLimitedLog {
    private final Logger log;
    private final int burst;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private long windowStart;
    private int inWindow;
    private long suppressed;

    RateLimitedLog(Logger log, int burst, long interval, TimeUnit unit, LongSupplier nanoTime) {
        this.log = log;
        this.burst = burst;
        this.intervalNanos = unit.toNanos(interval);
        this.nanoTime = nanoTime;
        this.windowStart = nanoTime.getAsLong();
    }

    RateLimitedLog(Logger log) {
        this(log, 10, 1, TimeUnit.MINUTES, System::nanoTime);
    }

    /** Logs a warning unless this interval's burst is spent; returns whether it was logged. */
    synchronized boolean warn(String format, Object... arguments) {
        long now = nanoTime.getAsLong();
        if (now - windowStart >= intervalNanos) {
            windowStart = now;
            inWindow = 0;
        }
        if (inWindow >= burst) {
            suppressed++;
            return false;
        }
        inWindow++;
        if (suppressed > 0) {
            log.warn("({} similar warnings suppressed)", suppressed);
            suppressed = 0;
        }
        log.warn(format, arguments);
        return true;
    }

    synchronized long suppressed() {
        return suppressed;
    }
}
