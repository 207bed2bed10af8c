package org.xenpv.evtchn;

import org.osgi.annotation.versioning.ProviderType;

/** What the event-channel layer does, for consoles and leak checks. */
@ProviderType
public interface EventChannelStatus {

    /** Ports open now, over all bundles. */
    int portsOpen();

    /** Events handed to handlers since start. */
    long eventsDispatched();

    /** Handler calls that threw. */
    long handlerFailures();

    /**
     * Events whose {@link LateEoiHandler} found no work, over all ports since start.
     *
     * @since 1.2
     */
    long spuriousEvents();

    /**
     * Re-armings delayed because a port's spurious events persisted, since start.
     *
     * @since 1.2
     */
    long delayedRearms();
}
