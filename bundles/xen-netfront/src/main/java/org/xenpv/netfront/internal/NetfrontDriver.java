package org.xenpv.netfront.internal;

import java.util.Hashtable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

        @AttributeDefinition(description = "How long a queue's thread keeps looking at its RX ring after a pass"
                + " before it sleeps until an event, in microseconds (0 to 1000000; 0: at once)")
        long pollMicros() default NetfrontConfig.DEFAULT_POLL_MICROS;

        @AttributeDefinition(description = "How long a queue's thread with frames in flight sleeps before it"
                + " takes their TX completions itself instead of asking for an event, in microseconds"
                + " (1 to 1000000)")
        long txCompletionMicros() default NetfrontConfig.DEFAULT_TX_COMPLETION_MICROS;
    }

    private final Netfronts netfronts;
    private final long closeTimeoutMillis;

    @Activate
    public NetfrontDriver(BundleContext context, @Reference XenStore store, @Reference GrantTable grants,
            @Reference EventChannels events, Config config) {
        // As Linux netfront: no more queues than cores, since each queue's work is per event.
        int maxQueues = Math.min(config.maxQueues(), Runtime.getRuntime().availableProcessors());
        closeTimeoutMillis = config.closeTimeoutMillis();
        netfronts = new Netfronts(store, grants, events, new NetfrontConfig(maxQueues, config.txBuffers(),
                config.rxBuffers(), config.closeTimeoutMillis(), config.pollMicros(), config.txCompletionMicros()),
                (nic, properties) -> {
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
     * Closes every vif in order and waits, within a bound, for the closes to end. The handshake's end and
     * the waits for each backend run on the devices' own threads; Declarative Services' thread only waits
     * for them, because the grant table, event channels and XenStore this component holds are released as
     * soon as it returns (the first two are this bundle's own instances), and a close still using them
     * after that can neither end its grants nor see its backend let go: against the real netback a
     * {@code bundle:update} then left the vif to no driver at all.
     */
    @Deactivate
    void deactivate() {
        long boundMillis = 3 * closeTimeoutMillis + 5_000;
        try {
            netfronts.closeAll().get(boundMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("vifs still closing after {} ms; their grants and ports go with this bundle's services",
                    boundMillis);
        } catch (ExecutionException e) {
            LOG.warn("closing the vifs failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
