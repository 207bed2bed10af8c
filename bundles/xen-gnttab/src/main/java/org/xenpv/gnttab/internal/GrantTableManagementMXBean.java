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

    /** Pages revoked that the domain they were granted to still holds (a backend that has not let go). */
    int getPagesHeld();

    /** Revocations, since start, whose outcome the platform could not tell (Linux's gntalloc). */
    long getRevocationsUnknown();
}
