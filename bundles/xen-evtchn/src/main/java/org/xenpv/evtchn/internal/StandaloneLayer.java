package org.xenpv.evtchn.internal;

import java.io.IOException;

import org.xenpv.evtchn.EventChannel;
import org.xenpv.evtchn.EventHandler;
import org.xenpv.evtchn.LateEoiHandler;
import org.xenpv.evtchn.StandaloneEventChannels;
import org.xenpv.platform.spi.EventChannelPort;

/** The event channels of {@link StandaloneEventChannels#open}: a dispatcher and one user of it. */
public final class StandaloneLayer {
    private StandaloneLayer() {
    }

    public static StandaloneEventChannels eventChannels(EventChannelPort port) {
        EventDispatcher dispatcher = EventDispatcher.forPort(port);
        BundleEventChannels channels = new BundleEventChannels(dispatcher);
        // A wrapper: Declarative Services registers a component under the interfaces it implements.
        return new StandaloneEventChannels() {
            @Override
            public EventChannel bindUnbound(int remoteDomid, EventHandler handler) throws IOException {
                return channels.bindUnbound(remoteDomid, handler);
            }

            @Override
            public EventChannel bindUnboundLateEoi(int remoteDomid, LateEoiHandler handler) throws IOException {
                return channels.bindUnboundLateEoi(remoteDomid, handler);
            }

            @Override
            public EventChannel bindInterdomain(int remoteDomid, int remotePort, EventHandler handler)
                    throws IOException {
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
        };
    }
}
