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
     * the other domain still maps; such pages end as soon as it unmaps them.
     *
     * @return true when every page ended now; false when some end later
     * @throws IllegalStateException when already revoked
     */
    boolean revoke() throws IOException;

    boolean isRevoked();

    /** Revokes unless already revoked; a failure is logged, not thrown. */
    @Override
    void close();
}
