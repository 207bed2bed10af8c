package org.xenpv.xenbus.standalone;

import java.util.List;

import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenbus.internal.FrontendBus;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

/** The bus of {@link StandaloneXenBus#open}: the component's, publishing each device to a listener. */
final class ListenerXenBus implements StandaloneXenBus {
    private final FrontendBus bus;

    ListenerXenBus(XenStore store, String home, DeviceListener listener) throws XenStoreException {
        this.bus = new FrontendBus(store, home, (device, properties) -> listener.added(device)::run);
    }

    @Override
    public List<XenBusDevice> devices() {
        return bus.devices();
    }

    @Override
    public void close() {
        bus.close();
    }
}
