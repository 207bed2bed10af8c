package org.xenpv.netfront.internal;

import java.util.concurrent.atomic.LongAdder;

import org.xenpv.evtchn.EventChannel;
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
    /** Events on the queue's channel(s) that found no ring moved: a storm, or a backend that lies. */
    final LongAdder spuriousEvents = new LongAdder();
    /** Delayed re-armings of channels since closed; the open ones count their own. */
    private final LongAdder closedDelayedRearms = new LongAdder();
    /** The channels of the queue's current connection; none between connections. */
    private volatile EventChannel[] channels = new EventChannel[0];

    void connected(EventChannel... current) {
        channels = current;
    }

    /** Called after the channels closed: their counts move into this queue's. */
    void disconnected() {
        EventChannel[] closed = channels;
        channels = new EventChannel[0];
        for (EventChannel channel : closed) {
            closedDelayedRearms.add(channel.delayedRearms());
        }
    }

    /** How often the queue's channels were re-armed late because spurious events persisted. */
    long delayedRearms() {
        long sum = closedDelayedRearms.sum();
        for (EventChannel channel : channels) {
            sum += channel.delayedRearms();
        }
        return sum;
    }

    /** The delay now put on re-arming the queue's channel(s), in milliseconds: 0 while events find work. */
    long rearmDelayMillis() {
        long delay = 0;
        for (EventChannel channel : channels) {
            delay = Math.max(delay, channel.rearmDelayMillis());
        }
        return delay;
    }

    NicStatistics.QueueCounters snapshot() {
        return new NicStatistics.QueueCounters(txPackets.sum(), txBytes.sum(), txErrors.sum(), txDropped.sum(),
                rxPackets.sum(), rxBytes.sum(), rxErrors.sum(), rxDropped.sum());
    }
}
