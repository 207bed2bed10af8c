package org.xenpv.gnttab;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;

/** Grants pages of this domain to other domains. One instance per using bundle. */
@ProviderType
public interface GrantTable {
    /** The page size of a grant. */
    int PAGE_SIZE = 4096;

    /**
     * Grants {@code pageCount} fresh zeroed pages to {@code domid}.
     *
     * @throws IllegalArgumentException for a page count below 1 or a domid that is not a regular domain
     * @throws IOException naming the cause when the platform refuses, for example when grant references run out
     */
    GrantedPages grant(int domid, int pageCount, Access access) throws IOException;

    /**
     * Grants {@code pageCount} pages to {@code domid} once and hands them out
     * again and again, for drivers that share buffers with a backend.
     */
    PagePool createPool(int domid, int pageCount, Access access) throws IOException;

    /** Pages this bundle grants now, pools included; pages held by their domain after revocation included. */
    int grantsOutstanding();

    /**
     * Pages this bundle revoked that their domain still maps or uses: they are
     * neither reused nor freed, and leave this count once it lets go (which each
     * call here checks). Pages whose revocation's outcome is unknown are not counted.
     */
    int pagesHeld();
}
