package org.xenpv.gnttab.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.gnttab.Revocation;
import org.xenpv.platform.spi.GrantAllocPort;
import org.xenpv.platform.spi.GrantAllocation;
import org.xenpv.platform.spi.GrantEnd;
import org.xenpv.platform.spi.PortException;

/** Pages of one grant-allocation call. */
final class PageAllocation implements GrantedPages {
    private static final Logger LOG = LoggerFactory.getLogger(PageAllocation.class);

    /** Where the allocation's end is accounted. */
    interface Owner {
        /** The allocation left the live ones with {@code outcome}; DEFERRED keeps it held until {@link #letGo}. */
        void revoked(PageAllocation allocation, Revocation outcome);

        /** A held allocation's pages all ended. */
        void letGo(PageAllocation allocation);
    }

    private enum State { GRANTED, HELD, DONE }

    private final GrantAllocPort port;
    private final GrantAllocation allocation;
    private final Access access;
    private final ByteBuffer[] pages;
    private final Owner owner;
    /** Written under the lock; read without it by the pool on every acquire, so volatile. */
    private volatile State state = State.GRANTED;

    PageAllocation(GrantAllocPort port, GrantAllocation allocation, Access access, Owner owner) {
        this.port = port;
        this.allocation = allocation;
        this.access = access;
        this.owner = owner;
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
    public Revocation revoke() throws IOException {
        synchronized (this) {
            if (state != State.GRANTED) {
                throw new IllegalStateException("pages granted to domain " + domid() + " are already revoked");
            }
            state = State.DONE;
        }
        Revocation outcome;
        try {
            outcome = toRevocation(port.deallocate(allocation));
        } catch (IOException | RuntimeException e) {
            // The port refused (closed with its owner, which handed the grants to the kernel): nothing is left to
            // try again here, so the pages leave this account.
            owner.revoked(this, Revocation.UNKNOWN);
            throw e;
        }
        // Under the lock, so that a retry of the end (isHeld, the owner's poll) cannot let go of the pages
        // before the owner has counted them held.
        synchronized (this) {
            if (outcome == Revocation.DEFERRED) {
                state = State.HELD;
                LOG.debug("domain {} still maps some of {} pages; held until it lets go", domid(), pages.length);
            }
            owner.revoked(this, outcome);
        }
        return outcome;
    }

    private static Revocation toRevocation(GrantEnd end) {
        return switch (end) {
            case ENDED -> Revocation.ENDED;
            case DEFERRED -> Revocation.DEFERRED;
            case UNKNOWN -> Revocation.UNKNOWN;
        };
    }

    @Override
    public boolean isRevoked() {
        return state != State.GRANTED;
    }

    @Override
    public boolean isHeld() {
        return tryEndHeld();
    }

    /**
     * Tries again to end what the other domain held at revocation.
     *
     * @return true while it still holds some of the pages
     */
    boolean tryEndHeld() {
        synchronized (this) {
            if (state != State.HELD) {
                return false;
            }
            GrantEnd end;
            try {
                end = port.endDeferred(allocation);
            } catch (PortException e) {
                // The port closed (its owner let go): the kernel took the grants over and ends them itself.
                LOG.debug("{}: no longer the port's to end: {}", this, e.getMessage());
                end = GrantEnd.UNKNOWN;
            }
            if (end == GrantEnd.DEFERRED) {
                return true;
            }
            state = State.DONE;
            owner.letGo(this);
        }
        return false;
    }

    synchronized boolean held() {
        return state == State.HELD;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (state != State.GRANTED) {
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
