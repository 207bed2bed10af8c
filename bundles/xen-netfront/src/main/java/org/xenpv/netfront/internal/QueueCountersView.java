package org.xenpv.netfront.internal;

import org.xenpv.net.NicStatistics;

/** One queue's counters (or their total) as JMX open data: one item per getter. */
public final class QueueCountersView {
    private final long txPackets;
    private final long txBytes;
    private final long txErrors;
    private final long txDropped;
    private final long rxPackets;
    private final long rxBytes;
    private final long rxErrors;
    private final long rxDropped;

    public QueueCountersView(long txPackets, long txBytes, long txErrors, long txDropped, long rxPackets,
            long rxBytes, long rxErrors, long rxDropped) {
        this.txPackets = txPackets;
        this.txBytes = txBytes;
        this.txErrors = txErrors;
        this.txDropped = txDropped;
        this.rxPackets = rxPackets;
        this.rxBytes = rxBytes;
        this.rxErrors = rxErrors;
        this.rxDropped = rxDropped;
    }

    static QueueCountersView of(NicStatistics.QueueCounters c) {
        return new QueueCountersView(c.txPackets(), c.txBytes(), c.txErrors(), c.txDropped(), c.rxPackets(),
                c.rxBytes(), c.rxErrors(), c.rxDropped());
    }

    public long getTxPackets() {
        return txPackets;
    }

    public long getTxBytes() {
        return txBytes;
    }

    public long getTxErrors() {
        return txErrors;
    }

    public long getTxDropped() {
        return txDropped;
    }

    public long getRxPackets() {
        return rxPackets;
    }

    public long getRxBytes() {
        return rxBytes;
    }

    public long getRxErrors() {
        return rxErrors;
    }

    public long getRxDropped() {
        return rxDropped;
    }
}
