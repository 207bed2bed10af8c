package org.xenpv.evtchn.internal;

/** The event channels as JMX shows them, under {@code org.xenpv:type=EventChannels}. */
public interface EventChannelsManagementMXBean {
    /** Ports open now, over all bundles. */
    int getPortsOpen();

    /** Events handed to handlers since start. */
    long getEventsDispatched();

    /** Handler calls that threw, since start. */
    long getHandlerFailures();

    /** Events whose handler found no work, since start. */
    long getSpuriousEvents();

    /** Re-armings delayed because a port's spurious events persisted, since start. */
    long getDelayedRearms();
}
