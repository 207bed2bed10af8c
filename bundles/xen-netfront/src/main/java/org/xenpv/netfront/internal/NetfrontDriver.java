package org.xenpv.netfront.internal;

import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.annotation.bundle.Capability;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.evtchn.EventChannels;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.net.Nic;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStore;

/** The vif driver: binds to every XenBus device of class vif and publishes a Nic for each while connected. */
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=org.xenpv.net.Nic")
@Component(immediate = true)
@Designate(ocd = NetfrontDriver.Config.class)
public final class NetfrontDriver {
    private static final Logger LOG = LoggerFactory.getLogger(NetfrontDriver.class);

    @ObjectClassDefinition(name = "xenpv netfront")
    public @interface Config {
        @AttributeDefinition(description = "Most queues per vif (also limited by the backend and the cores)")
        int maxQueues() default 4;

        @AttributeDefinition(description = "Granted pages per queue for frames to send")
        int txBuffers() default 256;

        @AttributeDefinition(description = "Granted pages per queue for frames to receive")
        int rxBuffers() default 256;

        @AttributeDefinition(description = "How long closing waits for the backend to let go, in milliseconds")
        long closeTimeoutMillis() default 5_000;
    }

    private final Netfronts netfronts;

    @Activate
    public NetfrontDriver(BundleContext context, @Reference XenStore store, @Reference GrantTable grants,
            @Reference EventChannels events, Config config) {
        // As Linux netfront: no more queues than cores, since each queue's work is per event.
        int maxQueues = Math.min(config.maxQueues(), Runtime.getRuntime().availableProcessors());
        netfronts = new Netfronts(store, grants, events, new NetfrontConfig(maxQueues, config.txBuffers(),
                config.rxBuffers(), config.closeTimeoutMillis()), (nic, properties) -> {
                    ServiceRegistration<Nic> registration = context.registerService(Nic.class, nic,
                            new Hashtable<>(properties));
                    Hashtable<String, Object> management = new Hashtable<>(properties);
                    management.put(NicManagement.OBJECT_NAME_PROPERTY, NicManagement.objectName(nic.name()));
                    ServiceRegistration<NicManagementMXBean> mbean = context.registerService(
                            NicManagementMXBean.class, new NicManagement(nic), management);
                    return () -> {
                        unregister(mbean);
                        unregister(registration);
                    };
                });
    }

    private static void unregister(ServiceRegistration<?> registration) {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already gone with the bundle
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + XenBusDevice.PROPERTY_CLASS + "=vif)")
    void bindDevice(XenBusDevice device) {
        netfronts.add(device);
    }

    void unbindDevice(XenBusDevice device) {
        netfronts.remove(device);
    }

    /**
     * Starts an orderly close of every vif and returns: the handshake's end and the wait for each backend
     * to let go run on the devices' own threads, never on Declarative Services' thread. A later driver of
     * the same vif (this bundle updated, for example) waits for that close through the device's binding.
     */
    @Deactivate
    void deactivate() {
        netfronts.closeAll().whenComplete((done, failure) -> LOG.debug("every vif closed"));
    }
}
