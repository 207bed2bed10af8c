package org.xenpv.platform.spi;

import java.nio.ByteBuffer;

/**
 * Pages granted to another domain by one IOCTL_GNTALLOC_ALLOC_GREF, mapped
 * into this process.
 *
 * @param index the device offset of the allocation (what mmap and DEALLOC take)
 * @param domid the domain the pages are granted to
 * @param writable whether that domain may write them
 * @param refs the grant reference of each page, in page order
 * @param pages the mapped pages, {@code refs.length * 4096} bytes, direct
 */
public record GrantAllocation(long index, int domid, boolean writable, int[] refs, ByteBuffer pages) {

    public int pageCount() {
        return refs.length;
    }

    /** Grant reference of page {@code i} of this allocation. */
    public int ref(int i) {
        return refs[i];
    }
}
