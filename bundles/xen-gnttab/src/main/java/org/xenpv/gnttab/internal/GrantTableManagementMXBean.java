package org.xenpv.gnttab.internal;

import java.util.Map;

/** The grant table as JMX shows it, under {@code org.xenpv:type=GrantTable}. */
public interface GrantTableManagementMXBean {
    /** Pages granted now, over all bundles, deferred revocations included until they end. */
    int getGrantsOutstanding();

    /** Pages granted now by each bundle, by symbolic name. */
    Map<String, Integer> getGrantsByBundle();

    /** Revocations, since start, whose end had to wait until the peer let go of the pages. */
    long getRevocationsDeferred();
}
