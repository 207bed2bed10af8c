package org.xenpv.netfront.internal;

import java.lang.invoke.VarHandle;

/**
 * The queue's thread between passes: a short poll of the RX ring, then sleep
 * with TX completion coalescing (as a NIC's rx-usecs and tx-usecs), so that a
 * stream of frames costs no event and no wake-up per batch.
 * <ul>
 * <li>Poll: it spins for {@link NetfrontConfig#pollMicros} until the RX ring has responses not taken or a wake-up
 * comes, then asks for an RX event and looks once more. The event is not armed during a pass or a poll, as Linux's
 * netfront leaves it unarmed while its NAPI poll is scheduled. TX answers are not polled for: a sender takes them
 * itself when its ring fills.</li>
 * <li>Sleep: while TX requests are in flight, or answers were taken since it last slept until an event, it sleeps
 * {@link NetfrontConfig#txCompletionMicros} at a time and takes the answers itself, for as long as answers come: a
 * stream's completions, and those of a sender that sends again within the interval (a request and its reply), then
 * cost no event. Once an interval passes without answers it asks for a TX event at the last request published, if
 * any is in flight, and sleeps until an event.</li>
 * </ul>
 * Indexes are read without the paths' locks: a stale one costs a look or an interval, never an answer.
 */
final class PollThenSleep implements QueueRunner.IdleStrategy {
    private final long pollNanos;
    private final long txLookNanos;
    private final QueueStatus status;
    private final TxPath tx;
    private final RxPath rx;
    /** The TX response consumer when the thread last slept until an event (its thread only). */
    private int txConsumerAtLastSleep;

    PollThenSleep(NetfrontConfig config, QueueStatus status, TxPath tx, RxPath rx) {
        this.pollNanos = config.pollNanos();
        this.txLookNanos = config.txCompletionNanos();
        this.status = status;
        this.tx = tx;
        this.rx = rx;
    }

    @Override
    public boolean poll(QueueRunner runner) {
        long deadline = System.nanoTime() + pollNanos;
        do {
            if (!status.active() || status.failed()) {
                return false;
            }
            if (rx.responsesWaiting() || runner.takeWake()) {
                return true;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        return rx.armEventAndCheck();
    }

    /**
     * A sender that publishes while the thread goes to sleep: the thread
     * tells senders it sleeps with no timer and then reads the request
     * producer, the sender publishes and then reads that flag, each with a
     * full fence between, so either the thread sees the requests and asks for
     * their event, or the sender sees the flag and asks for it. Both may: the
     * earlier request of the two can only bring an early event, after which
     * the thread looks again.
     */
    @Override
    public void sleep(QueueRunner runner) {
        int consumerAtLastLook = txConsumerAtLastSleep;
        while (runner.running() && !runner.wakePending()) {
            // Not whether the Nic is up: requests published before a down() are answered after it, and their
            // pages and counts come back only when the answers are taken (Linux collects TX buffers whatever the
            // interface's state, too). Only a broken queue takes nothing more.
            boolean txInUse = !status.failed();
            int consumer = tx.responseConsumer();
            if (txInUse && (consumer != consumerAtLastLook || tx.requestsInFlight())) {
                consumerAtLastLook = consumer;
                runner.parkNanos(txLookNanos);
                if (runner.wakePending()) {
                    return;
                }
                tx.takeCompletions();
                if (tx.responseConsumer() != consumerAtLastLook) {
                    continue;
                }
            }
            txConsumerAtLastSleep = tx.responseConsumer();
            tx.threadSleepsUntilEvent(true);
            try {
                VarHandle.fullFence();
                if (txInUse && tx.askForEventAtLastRequest()) {
                    runner.wakeSelf(); // answers wait that no event will announce: a pass
                    return;
                }
                // Looked at again (in park): the poll's last look may wait for the RX lock, and an event's unpark
                // during that wait is taken by the lock's own park (as a stop's is by a timed sleep above).
                runner.park();
            } finally {
                tx.threadSleepsUntilEvent(false);
            }
            return;
        }
    }
}
