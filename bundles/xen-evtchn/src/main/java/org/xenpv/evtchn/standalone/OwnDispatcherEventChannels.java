package org.xenpv.evtchn.standalone;

import java.io.IOException;

import org.xenpv.evtchn.EventChannel;
import org.xenpv.evtchn.EventHandler;
import org.xenpv.evtchn.LateEoiHandler;
import org.xenpv.evtchn.internal.BundleEventChannels;
import org.xenpv.evtchn.internal.EventDispatcher;
import org.xenpv.platform.spi.EventChannelPort;

/**
 * The event channels of {@link StandaloneEventChannels#open}: the service's, for one user, over a dispatcher
 * of their own. A wrapper, not {@link BundleEventChannels} itself: Declarative Services registers a component
 * under the interfaces it implements.
 */
final class OwnDispatcherEventChannels implements StandaloneEventChannels {
    private final EventDispatcher dispatcher;
    private final BundleEventChannels channels;

    OwnDispatcherEventChannels(EventChannelPort port) {
        this.dispatcher = EventDispatcher.forPort(port);
        this.channels = new BundleEventChannels(dispatcher);
    }

    @Override
    public EventChannel bindUnbound(int remoteDomid, EventHandler handler) throws IOException {
        return channels.bindUnbound(remoteDomid, handler);
    }

    @Override
    public EventChannel bindUnboundLateEoi(int remoteDomid, LateEoiHandler handler) throws IOException {
        return channels.bindUnboundLateEoi(remoteDomid, handler);
    }

    @Override
    public EventChannel bindInterdomain(int remoteDomid, int remotePort, EventHandler handler) throws IOException {
        return channels.bindInterdomain(remoteDomid, remotePort, handler);
    }

    @Override
    public int portsOpen() {
        return channels.portsOpen();
    }

    @Override
    public long eventsDispatched() {
        return dispatcher.eventsDispatched();
    }

    @Override
    public long handlerFailures() {
        return dispatcher.handlerFailures();
    }

    @Override
    public long spuriousEvents() {
        return dispatcher.spuriousEvents();
    }

    @Override
    public long delayedRearms() {
        return dispatcher.delayedRearms();
    }

    @Override
    public void close() {
        channels.deactivate();
        try {
            dispatcher.deactivate();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
