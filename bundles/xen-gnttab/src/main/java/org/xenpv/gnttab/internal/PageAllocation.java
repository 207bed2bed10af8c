package org.xenpv.gnttab.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.platform.spi.GrantAllocPort;
import org.xenpv.platform.spi.GrantAllocation;

/** Pages of one grant-allocation call. */
final class PageAllocation implements GrantedPages {
    private static final Logger LOG = LoggerFactory.getLogger(PageAllocation.class);

    private final GrantAllocPort port;
    private final GrantAllocation allocation;
    private final Access access;
    private final ByteBuffer[] pages;
    private final Consumer<PageAllocation> onRevoke;
    private final Runnable onDeferred;
    private boolean revoked;

    /**
     * @param onRevoke told of every revocation
     * @param onDeferred told when a revocation's end waits for the peer to let go of the pages
     */
    PageAllocation(GrantAllocPort port, GrantAllocation allocation, Access access, Consumer<PageAllocation> onRevoke,
            Runnable onDeferred) {
        this.port = port;
        this.allocation = allocation;
        this.access = access;
        this.onRevoke = onRevoke;
        this.onDeferred = onDeferred;
        this.pages = new ByteBuffer[allocation.pageCount()];
        for (int i = 0; i < pages.length; i++) {
            pages[i] = allocation.pages().slice(i * GrantTable.PAGE_SIZE, GrantTable.PAGE_SIZE)
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    @Override
    public int domid() {
        return allocation.domid();
    }

    @Override
    public Access access() {
        return access;
    }

    @Override
    public int pageCount() {
        return pages.length;
    }

    @Override
    public int ref(int index) {
        return allocation.ref(index);
    }

    @Override
    public ByteBuffer page(int index) {
        return pages[index];
    }

    @Override
    public boolean revoke() throws IOException {
        synchronized (this) {
            if (revoked) {
                throw new IllegalStateException("pages granted to domain " + domid() + " are already revoked");
            }
            revoked = true;
        }
        onRevoke.accept(this);
        boolean endedNow = port.deallocate(allocation);
        if (!endedNow) {
            onDeferred.run();
            LOG.debug("domain {} still maps some of {} pages; they end when it unmaps them", domid(), pages.length);
        }
        return endedNow;
    }

    @Override
    public synchronized boolean isRevoked() {
        return revoked;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (revoked) {
                return;
            }
        }
        try {
            revoke();
        } catch (IOException | IllegalStateException e) {
            LOG.warn("could not revoke {} pages granted to domain {}: {}", pages.length, domid(), e.getMessage());
        }
    }

    @Override
    public String toString() {
        return pages.length + " pages granted " + access + " to domain " + domid();
    }
}
