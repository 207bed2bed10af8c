package org.xenpv.xenstore.standalone;

import org.osgi.annotation.versioning.ProviderType;
import org.xenpv.platform.spi.XenbusPort;
import org.xenpv.xenstore.XenStore;

/**
 * A XenStore client outside OSGi: the supported way to run this layer without
 * a framework (the simulated host of tests and benchmarks, tools such as the
 * real-Xen probe). It speaks xs_wire over a port of its own, with a reader
 * thread and a watch thread as the service's connection has;
 * {@link #close()} ends its watches and transactions, then the connection.
 */
@ProviderType
public interface StandaloneXenStore extends XenStore, AutoCloseable {

    /**
     * A client over {@code port}, which it owns from now on.
     *
     * @param port a XenStore port of a {@link org.xenpv.platform.spi.DevicePortProvider}
     * @param name what its log lines call the connection
     * @param replyTimeoutMillis how long a request waits for its reply before it fails
     */
    static StandaloneXenStore open(XenbusPort port, String name, long replyTimeoutMillis) {
        return new OwnConnectionXenStore(port, name, replyTimeoutMillis);
    }

    @Override
    void close();
}
