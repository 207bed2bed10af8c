package org.xenpv.gnttab;

import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/** What every bundle grants now, for consoles and leak checks. */
@ProviderType
public interface GrantTableStatus {

    /** Pages granted now, over all bundles. */
    int grantsOutstanding();

    /** Pages granted now by each bundle that uses the grant table, by bundle symbolic name. */
    Map<String, Integer> grantsByBundle();

    /**
     * Pages revoked that the domain they were granted to still maps or uses (a
     * backend that has not let go), over all bundles, a bundle that has stopped
     * included: they count until known free, which each call here checks.
     */
    int pagesHeld();

    /** Revocations, since start, whose outcome the platform could not tell (Linux's gntalloc). */
    long revocationsUnknown();
}
