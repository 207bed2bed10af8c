package org.xenpv.net;

import java.util.List;

/**
 * Counters of a Nic since it was created, per queue and in total. Every frame
 * given to {@link Nic#send} is counted as sent, or as a drop or an error;
 * every frame the backend delivered is counted as received, or as a drop or an
 * error.
 */
public record NicStatistics(List<QueueCounters> queues) {
    /** The counters of one queue. */
    public record QueueCounters(long txPackets, long txBytes, long txErrors, long txDropped, long rxPackets,
            long rxBytes, long rxErrors, long rxDropped) {
        static final QueueCounters ZERO = new QueueCounters(0, 0, 0, 0, 0, 0, 0, 0);

        QueueCounters plus(QueueCounters o) {
            return new QueueCounters(txPackets + o.txPackets, txBytes + o.txBytes, txErrors + o.txErrors,
                    txDropped + o.txDropped, rxPackets + o.rxPackets, rxBytes + o.rxBytes, rxErrors + o.rxErrors,
                    rxDropped + o.rxDropped);
        }
    }

    public NicStatistics {
        queues = List.copyOf(queues);
    }

    public QueueCounters total() {
        return queues.stream().reduce(QueueCounters.ZERO, QueueCounters::plus);
    }
}
