package org.xenpv.xenbus.internal;

import java.util.Map;

import org.xenpv.xenbus.XenBusDevice;

/** Where the bus publishes devices: the OSGi service registry, a standalone bus's listener, or a test's list. */
public interface DeviceRegistry {
    /** A published device; unpublish to withdraw it. */
    interface Publication {
        void unpublish();
    }

    Publication publish(XenBusDevice device, Map<String, Object> properties);
}
