package org.xenpv.netfront.internal;

/**
 * The driver's settings.
 *
 * @param maxQueues the most queues per vif (the backend's maximum also limits it; the driver caps it at the cores)
 * @param txBuffers granted pages per queue for frames to send
 * @param rxBuffers granted pages per queue for frames to receive (at most the ring's 256 slots are posted)
 * @param closeTimeoutMillis how long an orderly close waits for the backend to let go
 */
record NetfrontConfig(int maxQueues, int txBuffers, int rxBuffers, long closeTimeoutMillis) {
    public static final NetfrontConfig DEFAULTS = new NetfrontConfig(4, 256, 256, 5_000);

    public NetfrontConfig {
        if (maxQueues < 1 || txBuffers < 18 || rxBuffers < 18 || closeTimeoutMillis < 0) {
            throw new IllegalArgumentException("netfront settings out of range: maxQueues " + maxQueues
                    + " (>= 1), txBuffers " + txBuffers + " and rxBuffers " + rxBuffers
                    + " (>= 18, a largest frame), closeTimeoutMillis " + closeTimeoutMillis);
        }
    }
}
