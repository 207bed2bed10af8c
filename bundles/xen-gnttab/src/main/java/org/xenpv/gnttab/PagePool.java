package org.xenpv.gnttab;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Pages granted once to one domain and reused: acquire one, let the other
 * domain use it through its reference, release it. Acquire and release
 * allocate nothing and may be called from different threads.
 */
@ProviderType
public interface PagePool extends AutoCloseable {

    int domid();

    Access access();

    /** Pages in the pool. */
    int capacity();

    /** Pages not acquired now. */
    int available();

    /** A free page, or null when all are in use (back-pressure, not an error). */
    PoolPage acquire();

    /**
     * Returns a page to the pool.
     *
     * @throws IllegalArgumentException when the page is not from this pool or is not acquired
     */
    void release(PoolPage page);

    /**
     * Revokes every page; pages still acquired must not be used afterwards. From
     * now on the pool hands out nothing and a page released goes back to no free
     * list, so a page the other domain may still map is never used again.
     *
     * @return as {@link GrantedPages#revoke()}
     * @throws IllegalStateException when already revoked
     */
    Revocation revoke() throws IOException;

    /** As {@link GrantedPages#isHeld()}: whether the other domain still holds pages of this revoked pool. */
    boolean isHeld();

    /** Revokes unless already revoked; a failure is logged, not thrown. */
    @Override
    void close();
}
