package org.xenpv.xenstore.internal;

/** The XenStore connection as JMX shows it, under {@code org.xenpv:type=XenStore}. */
public interface XenStoreManagementMXBean {
    /** What it is connected over: the provider's xenbus device or xenstored's socket. */
    String getConnection();

    boolean isOpen();

    /** Why the connection failed; empty while it works. */
    String getFailure();

    /** Requests sent since the connection opened. */
    long getRequestsSent();

    /** Requests waiting for their reply now. */
    int getRequestsPending();

    /** Watches registered now, by every bundle. */
    int getWatches();
}
