package org.xenpv.platform.spi;

/**
 * The gntalloc device: grants pages of this domain to another. Allocations
 * made through one opened port are released when it closes.
 */
public interface GrantAllocPort extends AutoCloseable {

    /** Page size of grants. */
    int PAGE_SIZE = 4096;

    /** Action for {@link #setUnmapNotify}: clear the byte at the offset (UNMAP_NOTIFY_CLEAR_BYTE). */
    int UNMAP_NOTIFY_CLEAR_BYTE = 0x1;
    /** Action for {@link #setUnmapNotify}: send an event on the port (UNMAP_NOTIFY_SEND_EVENT). */
    int UNMAP_NOTIFY_SEND_EVENT = 0x2;

    /**
     * Grants {@code pageCount} fresh zeroed pages to {@code domid} and maps them
     * (IOCTL_GNTALLOC_ALLOC_GREF, then mmap).
     *
     * @throws PortException ENOSPC (or the kernel's error) when grant references run out
     */
    GrantAllocation allocate(int domid, int pageCount, boolean writable) throws PortException;

    /**
     * Asks for an action when the allocation is released (IOCTL_GNTALLOC_SET_UNMAP_NOTIFY).
     *
     * @param byteOffset offset within the allocation of the byte to clear
     */
    void setUnmapNotify(GrantAllocation allocation, long byteOffset, int actions, int eventPort)
            throws PortException;

    /**
     * Ends access to the pages and unmaps them (munmap, then IOCTL_GNTALLOC_DEALLOC_GREF).
     *
     * @return {@link GrantEnd#ENDED} when every grant ended at once; {@link GrantEnd#DEFERRED} when the peer
     *     still maps or uses some of them (Xen refuses to end a grant in use), so that the allocation stays
     *     this port's until {@link #endDeferred} ends it; {@link GrantEnd#UNKNOWN} when the platform cannot
     *     tell (the kernel took over what is still in use and ends it when the peer lets go)
     */
    GrantEnd deallocate(GrantAllocation allocation) throws PortException;

    /**
     * Tries again to end the grants of an allocation whose {@link #deallocate} answered
     * {@link GrantEnd#DEFERRED}, as the granting kernel's retry of a deferred grant does.
     *
     * @return {@link GrantEnd#ENDED} once every grant ended (the allocation is then gone from this port),
     *     {@link GrantEnd#DEFERRED} while the peer still holds some
     * @throws PortException EINVAL when the allocation is not one of this port's deferred ones
     */
    GrantEnd endDeferred(GrantAllocation allocation) throws PortException;

    /** Releases every allocation of this opened port. */
    @Override
    void close();
}
