package org.xenpv.netfront.standalone;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.xenpv.evtchn.EventChannels;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.netfront.internal.NetfrontConfig;
import org.xenpv.netfront.internal.Netfronts;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStore;

/** The driver of {@link StandaloneNetfront#open}: the component's {@link Netfronts}, telling a listener. */
final class ListenerNetfront implements StandaloneNetfront {
    private final Netfronts netfronts;
    private final long closeBoundMillis;

    ListenerNetfront(XenStore store, GrantTable grants, EventChannels events, Settings settings,
            NicListener listener) {
        NetfrontConfig config = new NetfrontConfig(settings.maxQueues(), settings.txBuffers(), settings.rxBuffers(),
                settings.closeTimeoutMillis(), settings.pollMicros(), settings.txCompletionMicros());
        this.netfronts = Netfronts.unregistered(store, grants, events, config, listener::added);
        this.closeBoundMillis = 3 * settings.closeTimeoutMillis() + 5_000;
    }

    @Override
    public Runnable deviceAdded(XenBusDevice device) {
        if (!"vif".equals(device.deviceClass())) {
            return () -> { };
        }
        netfronts.add(device);
        return () -> netfronts.remove(device);
    }

    @Override
    public CompletableFuture<Void> closeAll() {
        return netfronts.closeAll();
    }

    @Override
    public void close() {
        try {
            netfronts.closeAll().get(closeBoundMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("vifs still closing after " + closeBoundMillis + " ms");
        } catch (ExecutionException e) {
            throw new IllegalStateException("closing the vifs failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the vifs close");
        }
    }
}
