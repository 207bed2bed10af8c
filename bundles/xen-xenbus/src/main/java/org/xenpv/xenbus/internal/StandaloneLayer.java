package org.xenpv.xenbus.internal;

import org.xenpv.xenbus.StandaloneXenBus;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

/** The bus of {@link StandaloneXenBus#open}. */
public final class StandaloneLayer {
    private StandaloneLayer() {
    }

    public static StandaloneXenBus bus(XenStore store, String home, StandaloneXenBus.DeviceListener listener)
            throws XenStoreException {
        return new FrontendBus(store, home, (device, properties) -> listener.added(device)::run);
    }
}
