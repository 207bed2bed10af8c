package org.xenpv.xenstore.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The XenStore connection's MXBean, which Karaf's JMX whiteboard registers by its {@code jmx.objectname}. */
@Component(service = XenStoreManagementMXBean.class, property = "jmx.objectname=org.xenpv:type=XenStore")
public final class XenStoreManagement implements XenStoreManagementMXBean {
    private final XsClientConnection connection;

    @Activate
    public XenStoreManagement(@Reference SharedXenStoreConnection shared) {
        this(shared.connection());
    }

    XenStoreManagement(XsClientConnection connection) {
        this.connection = connection;
    }

    @Override
    public String getConnection() {
        return connection.name();
    }

    @Override
    public boolean isOpen() {
        return connection.isOpen();
    }

    @Override
    public String getFailure() {
        return connection.failure().orElse("");
    }

    @Override
    public long getRequestsSent() {
        return connection.requestsSent();
    }

    @Override
    public int getRequestsPending() {
        return connection.requestsPending();
    }

    @Override
    public int getWatches() {
        return connection.watchesRegistered();
    }
}
