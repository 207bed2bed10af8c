package org.xenpv.gnttab;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/** One page of a {@link PagePool}. */
@ProviderType
public interface PoolPage {

    /** Its position in the pool, 0 to capacity - 1: stable, usable as an id. */
    int index();

    /** The grant reference the other domain uses. */
    int ref();

    /** The page: a little-endian view of its 4096 bytes, position 0 and limit 4096 when acquired. */
    ByteBuffer buffer();
}
