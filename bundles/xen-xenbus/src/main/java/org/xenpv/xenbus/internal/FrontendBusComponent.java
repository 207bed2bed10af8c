package org.xenpv.xenbus.internal;

import java.util.Hashtable;

import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

/** The frontend bus of this guest, publishing {@link XenBusDevice} services in the service registry. */
@Capability(namespace = "osgi.service",
        attribute = "objectClass:List<String>=org.xenpv.xenbus.XenBusDevice")
@Component(immediate = true)
public final class FrontendBusComponent {
    private final FrontendBus bus;

    @Activate
    public FrontendBusComponent(BundleContext context, @Reference XenStore store)
            throws XenStoreException {
        DeviceRegistry registry = (device, properties) -> {
            ServiceRegistration<XenBusDevice> registration = context.registerService(XenBusDevice.class, device,
                    new Hashtable<>(properties));
            return () -> {
                try {
                    registration.unregister();
                } catch (IllegalStateException e) {
                    // already gone with the bundle
                }
            };
        };
        bus = new FrontendBus(store, registry);
    }

    @Deactivate
    void deactivate() {
        bus.close();
    }
}
