package org.xenpv.evtchn.standalone;

import org.osgi.annotation.versioning.ProviderType;
import org.xenpv.evtchn.EventChannelStatus;
import org.xenpv.evtchn.EventChannels;
import org.xenpv.platform.spi.EventChannelPort;

/**
 * Event channels outside OSGi: the supported way to run this layer without a
 * framework (the simulated host of tests and benchmarks, tools such as the
 * real-Xen probe). One dispatcher thread of its own runs the handlers, as the
 * services' does; {@link #close()} closes every port and ends that thread.
 */
@ProviderType
public interface StandaloneEventChannels extends EventChannels, EventChannelStatus, AutoCloseable {

    /**
     * Event channels over {@code port}, which they own from now on.
     *
     * @param port an event-channel port of a {@link org.xenpv.platform.spi.DevicePortProvider}
     */
    static StandaloneEventChannels open(EventChannelPort port) {
        return new OwnDispatcherEventChannels(port);
    }

    /**
     * Closes every port bound here and the device port, and waits a bounded
     * while for the dispatcher thread (a handler that blocks is logged and
     * left behind). Interrupted, it stops waiting and keeps the interrupt.
     */
    @Override
    void close();
}
