package org.xenpv.evtchn.internal;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.xenpv.abi.grant.Grants;
import org.xenpv.evtchn.EventChannel;
import org.xenpv.evtchn.EventChannels;
import org.xenpv.evtchn.EventHandler;
import org.xenpv.evtchn.LateEoiHandler;

/** One bundle's event channels; all closed when it lets go of the service. */
@Component(scope = ServiceScope.BUNDLE)
public final class BundleEventChannels implements EventChannels {
    private final EventDispatcher dispatcher;
    private final Set<BoundChannel> open = ConcurrentHashMap.newKeySet();

    @Activate
    public BundleEventChannels(@Reference EventDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Deactivate
    public void deactivate() {
        for (BoundChannel channel : List.copyOf(open)) {
            channel.close();
        }
    }

    @Override
    public EventChannel bindUnbound(int remoteDomid, EventHandler handler) throws IOException {
        check(remoteDomid, handler);
        return track(dispatcher.bindUnbound(remoteDomid, handler, this));
    }

    @Override
    public EventChannel bindUnboundLateEoi(int remoteDomid, LateEoiHandler handler) throws IOException {
        check(remoteDomid, handler);
        return track(dispatcher.bindUnboundLateEoi(remoteDomid, handler, this));
    }

    @Override
    public EventChannel bindInterdomain(int remoteDomid, int remotePort, EventHandler handler) throws IOException {
        check(remoteDomid, handler);
        if (remotePort <= 0) {
            throw new IllegalArgumentException("remote port must be positive, not " + remotePort);
        }
        return track(dispatcher.bindInterdomain(remoteDomid, remotePort, handler, this));
    }

    private static void check(int remoteDomid, Object handler) {
        Objects.requireNonNull(handler, "handler");
        if (!Grants.isRegularDomain(remoteDomid)) {
            throw new IllegalArgumentException("not a regular domain id: " + remoteDomid);
        }
    }

    private BoundChannel track(BoundChannel channel) {
        open.add(channel);
        return channel;
    }

    void closed(BoundChannel channel) {
        open.remove(channel);
    }

    @Override
    public int portsOpen() {
        return open.size();
    }
}
