package org.xenpv.netfront.internal;

/**
 * Whether a queue's frames flow, and the one place that marks it broken.
 * The queue's paths read what another domain wrote into values and verdicts;
 * a verdict that the backend broke the protocol comes here, and from here
 * only to the device.
 */
final class QueueStatus {
    private final int queue;
    private final NetfrontQueue.Owner owner;
    private volatile boolean active;
    private volatile boolean failed;

    QueueStatus(int queue, NetfrontQueue.Owner owner) {
        this.queue = queue;
        this.owner = owner;
    }

    /** Whether frames are sent and delivered: started, not stopped, not broken. */
    boolean active() {
        return active;
    }

    /** Whether the backend broke the queue: nothing it writes is taken any more. */
    boolean failed() {
        return failed;
    }

    /** Lets frames flow, unless broken; call under the RX lock, which orders it with a failure's stop. */
    boolean activate() {
        if (failed) {
            return false;
        }
        active = true;
        return true;
    }

    void deactivate() {
        active = false;
    }

    /** Marks the queue broken and tells the device why (the device keeps the first reason it hears). */
    void fail(String reason) {
        failed = true;
        active = false;
        owner.broken("queue " + queue + ": " + reason);
    }
}
