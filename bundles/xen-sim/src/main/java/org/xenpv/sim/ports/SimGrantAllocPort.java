package org.xenpv.sim.ports;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.xenpv.abi.grant.GrantStatus;
import java.util.function.Consumer;

import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.GrantAllocPort;
import org.xenpv.platform.spi.GrantAllocation;
import org.xenpv.platform.spi.PortException;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantException;
import org.xenpv.sim.hypervisor.HypervisorException;

/**
 * The simulator's gntalloc device: fresh zeroed pages granted through the
 * domain's grant table. Like Linux it ends a grant that the peer still uses
 * as soon as the peer lets go, and reports that it had to wait.
 */
final class SimGrantAllocPort implements GrantAllocPort {
    static final String DEVICE = "sim:gntalloc";

    private final Domain domain;
    private final Map<Long, Allocation> allocations = new LinkedHashMap<>();
    private long nextIndex;
    private final Consumer<AutoCloseable> onClose;
    private boolean closed;

    private static final class Allocation {
        final GrantAllocation granted;
        long notifyOffset = -1;
        int notifyActions;
        int notifyPort;

        Allocation(GrantAllocation granted) {
            this.granted = granted;
        }
    }

    SimGrantAllocPort(Domain domain, Consumer<AutoCloseable> onClose) {
        this.domain = domain;
        this.onClose = onClose;
    }

    @Override
    public synchronized GrantAllocation allocate(int domid, int pageCount, boolean writable) throws PortException {
        String operation = "IOCTL_GNTALLOC_ALLOC_GREF";
        requireOpen(operation);
        if (pageCount <= 0) {
            throw new PortException(DEVICE, operation, Errno.EINVAL, "page count " + pageCount);
        }
        ByteBuffer pages = ByteBuffer.allocateDirect(pageCount * PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int[] refs = new int[pageCount];
        for (int i = 0; i < pageCount; i++) {
            try {
                refs[i] = domain.grants().grantAccess(domid, pages.slice(i * PAGE_SIZE, PAGE_SIZE), !writable);
            } catch (GrantException e) {
                endAll(refs, i);
                Errno errno = e.status() == GrantStatus.NO_SPACE ? Errno.ENOSPC : Errno.EINVAL;
                throw new PortException(DEVICE, operation, errno, e.getMessage());
            }
        }
        long index = nextIndex;
        nextIndex += (long) pageCount * PAGE_SIZE;
        GrantAllocation allocation = new GrantAllocation(index, domid, writable, refs, pages);
        allocations.put(index, new Allocation(allocation));
        return allocation;
    }

    @Override
    public synchronized void setUnmapNotify(GrantAllocation allocation, long byteOffset, int actions, int eventPort)
            throws PortException {
        String operation = "IOCTL_GNTALLOC_SET_UNMAP_NOTIFY";
        requireOpen(operation);
        Allocation owned = owned(operation, allocation);
        if ((actions & ~(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT)) != 0) {
            throw new PortException(DEVICE, operation, Errno.EINVAL, "unknown actions 0x" + Integer.toHexString(actions));
        }
        if (byteOffset < 0 || byteOffset >= (long) allocation.pageCount() * PAGE_SIZE) {
            throw new PortException(DEVICE, operation, Errno.EINVAL, "offset " + byteOffset + " is outside the allocation");
        }
        owned.notifyOffset = byteOffset;
        owned.notifyActions = actions;
        owned.notifyPort = eventPort;
    }

    @Override
    public synchronized boolean deallocate(GrantAllocation allocation) throws PortException {
        String operation = "IOCTL_GNTALLOC_DEALLOC_GREF";
        requireOpen(operation);
        Allocation owned = owned(operation, allocation);
        allocations.remove(allocation.index());
        return release(owned);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Allocation allocation : new ArrayList<>(allocations.values())) {
            release(allocation);
        }
        allocations.clear();
        onClose.accept(this);
    }

    /** Allocations open now. */
    synchronized List<GrantAllocation> allocations() {
        return allocations.values().stream().map(a -> a.granted).toList();
    }

    private boolean release(Allocation allocation) {
        GrantAllocation granted = allocation.granted;
        if ((allocation.notifyActions & UNMAP_NOTIFY_CLEAR_BYTE) != 0) {
            granted.pages().put((int) allocation.notifyOffset, (byte) 0);
        }
        if ((allocation.notifyActions & UNMAP_NOTIFY_SEND_EVENT) != 0) {
            try {
                domain.events().send(allocation.notifyPort);
            } catch (HypervisorException portGone) {
                // Linux also sends the unmap notification only if the port is still there.
            }
        }
        return endAll(granted.refs(), granted.pageCount());
    }

    private boolean endAll(int[] refs, int count) {
        boolean allEnded = true;
        for (int i = 0; i < count; i++) {
            try {
                allEnded &= domain.grants().endAccessOrDefer(refs[i]);
            } catch (GrantException alreadyGone) {
                // revoked when the domain was destroyed
            }
        }
        return allEnded;
    }

    private Allocation owned(String operation, GrantAllocation allocation) throws PortException {
        Allocation owned = allocations.get(allocation.index());
        if (owned == null || owned.granted != allocation) {
            throw new PortException(DEVICE, operation, Errno.EINVAL, "allocation at index " + allocation.index()
                    + " was not made through this device or is released");
        }
        return owned;
    }

    private void requireOpen(String operation) throws PortException {
        if (closed) {
            throw new PortException(DEVICE, operation, Errno.EBADF, "port is closed");
        }
    }
}
