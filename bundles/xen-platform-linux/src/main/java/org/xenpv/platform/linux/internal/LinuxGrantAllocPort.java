package org.xenpv.platform.linux.internal;

import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_ALLOC_GREF_COUNT;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_ALLOC_GREF_DOMID;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_ALLOC_GREF_FLAGS;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_ALLOC_GREF_GREF_IDS;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_ALLOC_GREF_INDEX;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_ALLOC_GREF_SIZE;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_DEALLOC_GREF_COUNT;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_DEALLOC_GREF_INDEX;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_DEALLOC_GREF_SIZE;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_FLAG_WRITABLE;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_UNMAP_NOTIFY_ACTION;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_UNMAP_NOTIFY_EVENT_CHANNEL_PORT;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_UNMAP_NOTIFY_INDEX;
import static org.xenpv.platform.linux.internal.LinuxUapi.GNTALLOC_UNMAP_NOTIFY_SIZE;
import static org.xenpv.platform.linux.internal.LinuxUapi.IOCTL_GNTALLOC_ALLOC_GREF;
import static org.xenpv.platform.linux.internal.LinuxUapi.IOCTL_GNTALLOC_DEALLOC_GREF;
import static org.xenpv.platform.linux.internal.LinuxUapi.IOCTL_GNTALLOC_SET_UNMAP_NOTIFY;
import static org.xenpv.platform.linux.internal.LinuxUapi.PAGE_SIZE;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.GrantAllocPort;
import org.xenpv.platform.spi.GrantAllocation;
import org.xenpv.platform.spi.GrantEnd;
import org.xenpv.platform.spi.PortException;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Grants through /dev/xen/gntalloc: each allocation is granted by the kernel,
 * then mapped into this process. The mapping is this process's view of the
 * granted pages; a buffer of a deallocated allocation must not be touched
 * again (its memory is unmapped).
 */
final class LinuxGrantAllocPort implements GrantAllocPort {
    static final String OP_ALLOC = "IOCTL_GNTALLOC_ALLOC_GREF";
    static final String OP_DEALLOC = "IOCTL_GNTALLOC_DEALLOC_GREF";
    static final String OP_SET_UNMAP_NOTIFY = "IOCTL_GNTALLOC_SET_UNMAP_NOTIFY";
    static final String OP_MMAP = "mmap";
    static final String OP_MUNMAP = "munmap";
    /** The kernel's own cap on one allocation is far lower; this only keeps sizes in int range. */
    static final int MAX_PAGES_PER_ALLOCATION = 1 << 16;

    private final DeviceFile device;
    private final Map<Long, Mapping> mappings = new HashMap<>();

    private record Mapping(Pointer address, long length, int pageCount) {
    }

    LinuxGrantAllocPort(DeviceFile device) {
        this.device = device;
    }

    @Override
    public synchronized GrantAllocation allocate(int domid, int pageCount, boolean writable) throws PortException {
        if (domid < 0 || domid > LinuxEventChannelPort.MAX_DOMID) {
            throw new PortException(device.path(), OP_ALLOC, Errno.EINVAL, "domain id " + domid + " out of range");
        }
        if (pageCount <= 0 || pageCount > MAX_PAGES_PER_ALLOCATION) {
            throw new PortException(device.path(), OP_ALLOC, Errno.EINVAL,
                    "page count " + pageCount + " outside 1.." + MAX_PAGES_PER_ALLOCATION);
        }
        long index;
        int[] refs = new int[pageCount];
        try (Memory request = encodeAllocGref(domid, pageCount, writable)) {
            device.ioctl(OP_ALLOC, IOCTL_GNTALLOC_ALLOC_GREF, request,
                    pageCount + " page(s) for domain " + domid + (writable ? ", writable" : ", read-only"));
            index = request.getLong(GNTALLOC_ALLOC_GREF_INDEX);
            request.read(GNTALLOC_ALLOC_GREF_GREF_IDS, refs, 0, pageCount);
        }
        long length = (long) pageCount * PAGE_SIZE;
        Pointer address;
        try {
            address = device.mmap(OP_MMAP, length, index);
        } catch (PortException e) {
            deallocGref(index, pageCount);
            throw e;
        }
        mappings.put(index, new Mapping(address, length, pageCount));
        return new GrantAllocation(index, domid, writable, refs,
                address.getByteBuffer(0, length).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** struct ioctl_gntalloc_alloc_gref with room for {@code pageCount} grant references. */
    static Memory encodeAllocGref(int domid, int pageCount, boolean writable) {
        Memory request = new Memory(Math.max(GNTALLOC_ALLOC_GREF_SIZE, GNTALLOC_ALLOC_GREF_GREF_IDS + 4L * pageCount));
        request.clear();
        request.setShort(GNTALLOC_ALLOC_GREF_DOMID, (short) domid);
        request.setShort(GNTALLOC_ALLOC_GREF_FLAGS, (short) (writable ? GNTALLOC_FLAG_WRITABLE : 0));
        request.setInt(GNTALLOC_ALLOC_GREF_COUNT, pageCount);
        return request;
    }

    @Override
    public synchronized void setUnmapNotify(GrantAllocation allocation, long byteOffset, int actions, int eventPort)
            throws PortException {
        Mapping mapping = mappingOf(allocation, OP_SET_UNMAP_NOTIFY);
        if (byteOffset < 0 || byteOffset >= mapping.length()) {
            throw new PortException(device.path(), OP_SET_UNMAP_NOTIFY, Errno.EINVAL,
                    "offset " + byteOffset + " outside the allocation's " + mapping.length() + " bytes");
        }
        try (Memory request = encodeUnmapNotify(allocation.index() + byteOffset, actions, eventPort)) {
            device.ioctl(OP_SET_UNMAP_NOTIFY, IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, request,
                    "offset " + byteOffset + ", actions " + actions + ", port " + eventPort);
        }
    }

    static Memory encodeUnmapNotify(long index, int actions, int eventPort) {
        Memory request = new Memory(GNTALLOC_UNMAP_NOTIFY_SIZE);
        request.setLong(GNTALLOC_UNMAP_NOTIFY_INDEX, index);
        request.setInt(GNTALLOC_UNMAP_NOTIFY_ACTION, actions);
        request.setInt(GNTALLOC_UNMAP_NOTIFY_EVENT_CHANNEL_PORT, eventPort);
        return request;
    }

    /**
     * Unmaps and deallocates. gntalloc's DEALLOC_GREF answers 0 whether or not the peer still maps a page:
     * a grant in use is handed to the kernel's deferred list (retried every second, the page kept until the
     * grant ends) and user space is told nothing, so this can only answer {@link GrantEnd#UNKNOWN}.
     */
    @Override
    public synchronized GrantEnd deallocate(GrantAllocation allocation) throws PortException {
        Mapping mapping = mappingOf(allocation, OP_DEALLOC);
        mappings.remove(allocation.index());
        device.munmap(OP_MUNMAP, mapping.address(), mapping.length());
        deallocGref(allocation.index(), mapping.pageCount());
        return GrantEnd.UNKNOWN;
    }

    /** Never has anything to do: {@link #deallocate} never defers, the kernel keeps what it could not end. */
    @Override
    public GrantEnd endDeferred(GrantAllocation allocation) throws PortException {
        throw new PortException(device.path(), OP_DEALLOC, Errno.EINVAL,
                "gntalloc defers nothing to user space; allocation at index " + allocation.index() + " is not deferred");
    }

    private void deallocGref(long index, int pageCount) throws PortException {
        try (Memory request = new Memory(GNTALLOC_DEALLOC_GREF_SIZE)) {
            request.clear();
            request.setLong(GNTALLOC_DEALLOC_GREF_INDEX, index);
            request.setInt(GNTALLOC_DEALLOC_GREF_COUNT, pageCount);
            device.ioctl(OP_DEALLOC, IOCTL_GNTALLOC_DEALLOC_GREF, request, pageCount + " page(s) at index " + index);
        }
    }

    private Mapping mappingOf(GrantAllocation allocation, String operation) throws PortException {
        Mapping mapping = mappings.get(allocation.index());
        if (mapping == null) {
            throw new PortException(device.path(), operation, Errno.EINVAL,
                    "allocation at index " + allocation.index() + " is not one of this port's");
        }
        return mapping;
    }

    synchronized int allocationsHeld() {
        return mappings.size();
    }

    /** Unmaps every allocation; closing the device then ends their grants. */
    @Override
    public synchronized void close() {
        List<Mapping> held = new ArrayList<>(mappings.values());
        mappings.clear();
        for (Mapping mapping : held) {
            try {
                device.munmap(OP_MUNMAP, mapping.address(), mapping.length());
            } catch (PortException e) {
                // munmap of a range this port mapped cannot fail; closing the device releases the grants regardless.
            }
        }
        device.close();
    }
}
