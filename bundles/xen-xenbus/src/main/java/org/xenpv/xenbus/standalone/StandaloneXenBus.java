package org.xenpv.xenbus.standalone;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;
import org.osgi.annotation.versioning.ProviderType;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

/**
 * The XenBus frontend bus outside OSGi: the supported way to run this layer
 * without a framework (the simulated host of tests and benchmarks, tools such
 * as the real-Xen probe). Instead of registering a {@link XenBusDevice}
 * service per device it tells a {@link DeviceListener}, from the bus's own
 * thread, as the service registry would tell a driver.
 */
@ProviderType
public interface StandaloneXenBus extends AutoCloseable {

    /** Hears of each device as it appears; what it returns runs when that device goes. */
    @ConsumerType
    @FunctionalInterface
    interface DeviceListener {
        /**
         * @return run once when the device goes (removed, its backend moved, or the bus closed)
         */
        Runnable added(XenBusDevice device);
    }

    /** A bus over this domain's own devices, by paths relative to its home, as a guest's bus is. */
    static StandaloneXenBus open(XenStore store, DeviceListener listener) throws XenStoreException {
        return new ListenerXenBus(store, "", listener);
    }

    /**
     * A bus over the devices under {@code home}, an absolute domain path such
     * as {@code /local/domain/5}; {@code ""} is {@link #open(XenStore, DeviceListener)}.
     */
    static StandaloneXenBus open(XenStore store, String home, DeviceListener listener) throws XenStoreException {
        return new ListenerXenBus(store, home, listener);
    }

    /** The devices present now. */
    List<XenBusDevice> devices();

    /** Stops watching and tells the listener that every device went. */
    @Override
    void close();
}
