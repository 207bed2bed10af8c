package org.xenpv.netfront.internal;

import java.util.concurrent.atomic.LongAdder;

import org.xenpv.net.NicStatistics;

/** The counters of one queue; they survive reconnections. */
final class QueueCounters {
    final LongAdder txPackets = new LongAdder();
    final LongAdder txBytes = new LongAdder();
    final LongAdder txErrors = new LongAdder();
    final LongAdder txDropped = new LongAdder();
    final LongAdder rxPackets = new LongAdder();
    final LongAdder rxBytes = new LongAdder();
    final LongAdder rxErrors = new LongAdder();
    final LongAdder rxDropped = new LongAdder();
    // What crossed, beyond the plain counts: the driver statistics.
    final LongAdder txGsoFrames = new LongAdder();
    final LongAdder txMultiSlotFrames = new LongAdder();
    final LongAdder txChecksumBlank = new LongAdder();
    final LongAdder rxGsoFrames = new LongAdder();
    final LongAdder rxMultiSlotFrames = new LongAdder();
    final LongAdder rxChecksumBlank = new LongAdder();

    NicStatistics.QueueCounters snapshot() {
        return new NicStatistics.QueueCounters(txPackets.sum(), txBytes.sum(), txErrors.sum(), txDropped.sum(),
                rxPackets.sum(), rxBytes.sum(), rxErrors.sum(), rxDropped.sum());
    }
}
