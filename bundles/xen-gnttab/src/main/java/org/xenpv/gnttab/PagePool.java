package org.xenpv.gnttab;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Pages granted once to one domain and reused: acquire one, let the other
 * domain use it through its reference, release it. Nothing here allocates.
 *
 * <p>A pool has an owner, as a driver's queue owns its buffers: {@link
 * #acquire}, {@link #available}, {@link #recycle}, {@link #revoke} and {@link
 * #close} are called one at a time, from one thread or under a lock of the
 * owner's own, and take no lock and no atomic instruction of the pool's. A
 * page may come back from any other thread through {@link #release}, which
 * takes no lock either (one atomic exchange); the owner takes such pages back
 * the next time it finds its own free pages exhausted, or asks how many are
 * available.
 */
@ProviderType
public interface PagePool extends AutoCloseable {

    int domid();

    Access access();

    /** Pages in the pool. */
    int capacity();

    /** Pages not acquired now, pages released from other threads included. The owner's. */
    int available();

    /** A free page, or null when all are in use (back-pressure, not an error). The owner's. */
    PoolPage acquire();

    /**
     * Returns a page to the pool from any thread.
     *
     * @throws IllegalArgumentException when the page is not from this pool or is not acquired
     */
    void release(PoolPage page);

    /**
     * Returns a page to the pool from its owner: what {@link #release} does,
     * without the atomic exchange. Only ordered with {@link #acquire} (the
     * same thread, or under the same lock of the owner's).
     *
     * @throws IllegalArgumentException when the page is not from this pool or is not acquired
     * @since 2.1
     */
    void recycle(PoolPage page);

    /**
     * Revokes every page; pages still acquired must not be used afterwards. From
     * now on the pool hands out nothing and a page released goes back to no free
     * list, so a page the other domain may still map is never used again. The owner's.
     *
     * @return as {@link GrantedPages#revoke()}
     * @throws IllegalStateException when already revoked
     */
    Revocation revoke() throws IOException;

    /** As {@link GrantedPages#isHeld()}: whether the other domain still holds pages of this revoked pool. */
    boolean isHeld();

    /** Revokes unless already revoked; a failure is logged, not thrown. The owner's. */
    @Override
    void close();
}
