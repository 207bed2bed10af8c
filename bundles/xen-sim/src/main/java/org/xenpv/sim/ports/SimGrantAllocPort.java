package org.xenpv.sim.ports;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import java.util.function.Consumer;

import org.xenpv.abi.grant.GrantStatus;
import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.GrantAllocPort;
import org.xenpv.platform.spi.GrantAllocation;
import org.xenpv.platform.spi.GrantEnd;
import org.xenpv.platform.spi.PortException;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantException;
import org.xenpv.sim.hypervisor.HypervisorException;

/**
 * The simulator's gntalloc device: fresh zeroed pages granted through the
 * domain's grant table. Deallocating tries to end each grant as Xen lets a
 * granter (refused while the peer maps or copies through it); unlike Linux's
 * gntalloc, which hands what it could not end to the kernel and says nothing,
 * it answers {@link GrantEnd#DEFERRED} and keeps the allocation until
 * {@link #endDeferred} succeeds. Closing the device hands what is left to the
 * "kernel": the grant table ends it when the peer lets go.
 */
final class SimGrantAllocPort implements GrantAllocPort {
    static final String DEVICE = "sim:gntalloc";

    private final Domain domain;
    private final Map<Long, Allocation> allocations = new LinkedHashMap<>();
    /** Deallocated allocations some of whose grants the peer still holds, by index. */
    private final Map<Long, Deferred> deferred = new LinkedHashMap<>();
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

    /** The grants of a deallocation still standing because the peer holds them. */
    private record Deferred(GrantAllocation granted, List<Integer> standing) {
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
    public synchronized GrantEnd deallocate(GrantAllocation allocation) throws PortException {
        String operation = "IOCTL_GNTALLOC_DEALLOC_GREF";
        requireOpen(operation);
        Allocation owned = owned(operation, allocation);
        allocations.remove(allocation.index());
        notifyUnmap(owned);
        List<Integer> standing = tryEnd(allocation.refs());
        if (standing.isEmpty()) {
            return GrantEnd.ENDED;
        }
        deferred.put(allocation.index(), new Deferred(allocation, standing));
        return GrantEnd.DEFERRED;
    }

    @Override
    public synchronized GrantEnd endDeferred(GrantAllocation allocation) throws PortException {
        String operation = "end deferred";
        requireOpen(operation);
        Deferred waiting = deferred.get(allocation.index());
        if (waiting == null || waiting.granted() != allocation) {
            throw new PortException(DEVICE, operation, Errno.EINVAL, "allocation at index " + allocation.index()
                    + " has no deferred grants on this device");
        }
        List<Integer> standing = tryEnd(waiting.standing().stream().mapToInt(Integer::intValue).toArray());
        if (standing.isEmpty()) {
            deferred.remove(allocation.index());
            return GrantEnd.ENDED;
        }
        deferred.put(allocation.index(), new Deferred(allocation, standing));
        return GrantEnd.DEFERRED;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Allocation allocation : new ArrayList<>(allocations.values())) {
            notifyUnmap(allocation);
            handToKernel(allocation.granted.refs());
        }
        allocations.clear();
        for (Deferred waiting : deferred.values()) {
            handToKernel(waiting.standing().stream().mapToInt(Integer::intValue).toArray());
        }
        deferred.clear();
        onClose.accept(this);
    }

    /** Allocations deallocated whose grants the peer still holds. */
    synchronized int deferredAllocations() {
        return deferred.size();
    }

    /** Allocations open now. */
    synchronized List<GrantAllocation> allocations() {
        return allocations.values().stream().map(a -> a.granted).toList();
    }

    /** The unmap notification, which gntalloc gives when this domain lets go, whatever the peer does. */
    private void notifyUnmap(Allocation allocation) {
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
    }

    /** Ends what the peer does not hold; returns the references still standing. */
    private List<Integer> tryEnd(int[] refs) {
        List<Integer> standing = new ArrayList<>();
        for (int ref : refs) {
            try {
                if (!domain.grants().endAccess(ref)) {
                    standing.add(ref);
                }
            } catch (GrantException alreadyGone) {
                // revoked when the domain was destroyed
            }
        }
        return standing;
    }

    /** What the kernel does with a closed device's grants: ended now, or as soon as the peer lets go. */
    private void handToKernel(int[] refs) {
        for (int ref : refs) {
            try {
                domain.grants().endAccessOrDefer(ref);
            } catch (GrantException alreadyGone) {
                // revoked when the domain was destroyed
            }
        }
    }

    /** Ends the first {@code count} grants of a failed allocation; no peer knows their references yet. */
    private void endAll(int[] refs, int count) {
        handToKernel(Arrays.copyOf(refs, count));
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
