package org.xenpv.evtchn.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The event channels' MXBean, which Karaf's JMX whiteboard registers by its {@code jmx.objectname}. */
@Component(service = EventChannelsManagementMXBean.class, property = "jmx.objectname=org.xenpv:type=EventChannels")
public final class EventChannelsManagement implements EventChannelsManagementMXBean {
    private final EventDispatcher dispatcher;

    @Activate
    public EventChannelsManagement(@Reference EventDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public int getPortsOpen() {
        return dispatcher.portsOpen();
    }

    @Override
    public long getEventsDispatched() {
        return dispatcher.eventsDispatched();
    }

    @Override
    public long getHandlerFailures() {
        return dispatcher.handlerFailures();
    }

    @Override
    public long getSpuriousEvents() {
        return dispatcher.spuriousEvents();
    }

    @Override
    public long getDelayedRearms() {
        return dispatcher.delayedRearms();
    }
}
