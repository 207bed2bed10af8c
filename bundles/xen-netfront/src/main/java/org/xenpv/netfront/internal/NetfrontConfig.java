package org.xenpv.netfront.internal;

import java.util.concurrent.TimeUnit;

/**
 * The driver's settings.
 *
 * @param maxQueues the most queues per vif (the backend's maximum also limits it; the driver caps it at the cores)
 * @param txBuffers granted pages per queue for frames to send
 * @param rxBuffers granted pages per queue for frames to receive (at most the ring's 256 slots are posted)
 * @param closeTimeoutMillis how long an orderly close waits for the backend to let go
 * @param pollMicros how long a queue's thread keeps looking at its RX ring after a pass before it sleeps
 *     until an event (0: it sleeps at once)
 * @param txCompletionMicros how long a queue's thread with TX requests in flight sleeps before it takes
 *     their answers itself rather than asking the backend for an event (TX completion coalescing)
 */
public record NetfrontConfig(int maxQueues, int txBuffers, int rxBuffers, long closeTimeoutMillis, long pollMicros,
        long txCompletionMicros) {
    static final long DEFAULT_POLL_MICROS = 20;
    static final long DEFAULT_TX_COMPLETION_MICROS = 500;
    /** The longest poll or coalescing interval: beyond a second it is a stall, not a batch. */
    static final long MAX_INTERVAL_MICROS = 1_000_000;
    public static final NetfrontConfig DEFAULTS = new NetfrontConfig(4, 256, 256, 5_000);

    public NetfrontConfig {
        if (maxQueues < 1 || txBuffers < 18 || rxBuffers < 18 || closeTimeoutMillis < 0 || pollMicros < 0
                || pollMicros > MAX_INTERVAL_MICROS || txCompletionMicros < 1
                || txCompletionMicros > MAX_INTERVAL_MICROS) {
            throw new IllegalArgumentException("netfront settings out of range: maxQueues " + maxQueues
                    + " (>= 1), txBuffers " + txBuffers + " and rxBuffers " + rxBuffers
                    + " (>= 18, a largest frame), closeTimeoutMillis " + closeTimeoutMillis + " (>= 0), pollMicros "
                    + pollMicros + " (0 to " + MAX_INTERVAL_MICROS + "), txCompletionMicros " + txCompletionMicros
                    + " (1 to " + MAX_INTERVAL_MICROS + ")");
        }
    }

    /** Settings with the default poll and TX completion intervals. */
    NetfrontConfig(int maxQueues, int txBuffers, int rxBuffers, long closeTimeoutMillis) {
        this(maxQueues, txBuffers, rxBuffers, closeTimeoutMillis, DEFAULT_POLL_MICROS, DEFAULT_TX_COMPLETION_MICROS);
    }

    long pollNanos() {
        return TimeUnit.MICROSECONDS.toNanos(pollMicros);
    }

    long txCompletionNanos() {
        return TimeUnit.MICROSECONDS.toNanos(txCompletionMicros);
    }
}
