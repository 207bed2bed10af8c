package org.xenpv.gnttab;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/** Pages granted to one domain by one call; revoked together. */
@ProviderType
public interface GrantedPages extends AutoCloseable {

    int domid();

    Access access();

    int pageCount();

    /** The grant reference of page {@code index}, to hand to the other domain. */
    int ref(int index);

    /** Page {@code index}: a little-endian view of its {@value GrantTable#PAGE_SIZE} bytes. */
    ByteBuffer page(int index);

    /**
     * Ends the other domain's access to the pages. Xen does not end a grant
     * the other domain still maps: such pages stay granted and accounted as
     * held until it unmaps them, and must not be written or reused meanwhile.
     *
     * @return {@link Revocation#ENDED} when every page ended now, {@link Revocation#DEFERRED} when the other
     *     domain still holds some, {@link Revocation#UNKNOWN} when the platform cannot tell
     * @throws IllegalStateException when already revoked
     */
    Revocation revoke() throws IOException;

    boolean isRevoked();

    /**
     * Whether the other domain still holds pages of this revoked (deferred)
     * grant: tries their end again and answers false once they ended. False
     * for pages not revoked, and for a revocation whose outcome is unknown.
     */
    boolean isHeld();

    /** Revokes unless already revoked; a failure is logged, not thrown. */
    @Override
    void close();
}
