package org.xenpv.xenbus.internal;

import java.util.Map;

import org.xenpv.xenbus.XenBusDevice;

/** Where the bus publishes devices: the OSGi service registry, or a test's list. */
interface DeviceRegistry {
    /** A published device; unpublish to withdraw it. */
    interface Publication {
        void unpublish();
    }

    Publication publish(XenBusDevice device, Map<String, Object> properties);
}
