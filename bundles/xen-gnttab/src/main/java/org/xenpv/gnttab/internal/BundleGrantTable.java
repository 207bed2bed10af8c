package org.xenpv.gnttab.internal;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.grant.Grants;
import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.Revocation;
import org.xenpv.platform.spi.DevicePortProvider;
import org.xenpv.platform.spi.GrantAllocPort;

/**
 * One bundle's grant table, over its own opened grant-allocation device, so
 * that everything it granted is revoked when it lets go of the service.
 *
 * <p>Pages whose revocation the other domain deferred (it still maps them)
 * are held: never handed out again, still counted, and their end is tried
 * again at the next operation of this table or look at its counts. Xen gives
 * a granter no notice when a peer unmaps, so any way of learning it is a
 * retry; retrying when someone asks (the console, JMX, a driver before it
 * grants again) keeps the count exact whenever it is read, costs nothing
 * while nobody asks, and leaves no timer thread to stop with the bundle.
 * A bundle that lets go while pages are still held leaves its table (and its
 * device) with the {@link GrantLedger}, which keeps counting them until they
 * end or the grant table bundle itself stops.
 */
@Component(scope = ServiceScope.BUNDLE)
public final class BundleGrantTable implements GrantTable {
    private static final Logger LOG = LoggerFactory.getLogger(BundleGrantTable.class);

    private final GrantLedger ledger;
    private final GrantAllocPort port;
    private final String owner;
    private final Set<PageAllocation> live = ConcurrentHashMap.newKeySet();
    /** Revoked while their domain still held them: counted until it lets go. */
    private final Set<PageAllocation> held = ConcurrentHashMap.newKeySet();
    private final PageAllocation.Owner accounts = new PageAllocation.Owner() {
        @Override
        public void revoked(PageAllocation allocation, Revocation outcome) {
            live.remove(allocation);
            if (outcome == Revocation.DEFERRED) {
                held.add(allocation);
                ledger.revocationDeferred();
            } else if (outcome == Revocation.UNKNOWN) {
                ledger.revocationUnknown();
            }
        }

        @Override
        public void letGo(PageAllocation allocation) {
            held.remove(allocation);
            LOG.info("{}: domain {} let go of {} pages held since their revocation", owner, allocation.domid(),
                    allocation.pageCount());
        }
    };
    /** Let go of by its bundle while pages were held: it stays with the ledger until they end. */
    private volatile boolean retired;
    private final AtomicBoolean portClosed = new AtomicBoolean();

    @Activate
    public BundleGrantTable(@Reference DevicePortProvider provider, @Reference GrantLedger ledger,
            ComponentContext context) throws IOException {
        this(provider.openGrantAllocPort(), ledger, ownerName(context.getUsingBundle()));
    }

    /**
     * A grant table outside OSGi (the bundle's standalone package, this package's tests): release it with
     * {@link #deactivate()}. A factory, not a constructor: SCR would try a second constructor of the same
     * arity and log an error for it at every activation.
     */
    public static BundleGrantTable forPort(GrantAllocPort port, GrantLedger ledger, String owner) {
        return new BundleGrantTable(port, ledger, owner);
    }

    private BundleGrantTable(GrantAllocPort port, GrantLedger ledger, String owner) {
        this.port = port;
        this.ledger = ledger;
        this.owner = owner;
        ledger.register(this);
    }

    private static String ownerName(Bundle bundle) {
        return bundle == null ? "unknown" : bundle.getSymbolicName();
    }

    /** The bundle let go: what it still grants is revoked; what its domain still holds stays accounted. */
    @Deactivate
    public void deactivate() {
        release(true);
    }

    /**
     * Revokes what is still granted. With {@code keepHeld} a table whose pages are still held retires to the
     * ledger and keeps its device until they end; without, its device closes now and the kernel ends them.
     */
    public void release(boolean keepHeld) {
        int leftOver = live.stream().mapToInt(PageAllocation::pageCount).sum();
        for (PageAllocation allocation : List.copyOf(live)) {
            allocation.close();
        }
        if (leftOver > 0) {
            LOG.info("revoked {} pages that {} still granted when it let go of the grant table", leftOver, owner);
        }
        if (keepHeld) {
            retired = true;
            if (pollHeld() > 0) {
                LOG.warn("{} let go of the grant table while domains still hold {} of its pages; they stay accounted"
                        + " until they are let go", owner, pagesHeld());
            }
            return; // pollHeld closed the device if nothing is held
        }
        int handedOver = held.stream().mapToInt(PageAllocation::pageCount).sum();
        if (handedOver > 0) {
            LOG.warn("{} closed its grant device while domains still held {} of its pages; the kernel ends them when"
                    + " they are let go", owner, handedOver);
        }
        held.clear();
        closePort();
    }

    /** Ends the table for good: its device closes, which hands what is still held to the kernel. */
    void closePort() {
        if (portClosed.compareAndSet(false, true)) {
            port.close();
            ledger.unregister(this);
        }
    }

    /**
     * Tries again to end every held allocation; a retired table whose pages are all let go closes.
     *
     * @return the allocations still held
     */
    private int pollHeld() {
        int stillHeld = 0;
        for (PageAllocation allocation : held) {
            if (allocation.tryEndHeld()) {
                stillHeld++;
            }
        }
        if (stillHeld == 0 && retired) {
            closePort();
        }
        return stillHeld;
    }

    boolean retired() {
        return retired;
    }

    String owner() {
        return owner;
    }

    @Override
    public GrantedPages grant(int domid, int pageCount, Access access) throws IOException {
        pollHeld();
        return allocate(domid, pageCount, access);
    }

    @Override
    public PagePool createPool(int domid, int pageCount, Access access) throws IOException {
        pollHeld();
        return new GrantedPagePool(allocate(domid, pageCount, access));
    }

    private PageAllocation allocate(int domid, int pageCount, Access access) throws IOException {
        if (!Grants.isRegularDomain(domid)) {
            throw new IllegalArgumentException("cannot grant pages to domid " + domid + ": not a regular domain");
        }
        if (pageCount < 1) {
            throw new IllegalArgumentException("page count must be at least 1, not " + pageCount);
        }
        if (access == null) {
            throw new IllegalArgumentException("access must be given");
        }
        PageAllocation allocation = new PageAllocation(port,
                port.allocate(domid, pageCount, access == Access.WRITABLE), access, accounts);
        live.add(allocation);
        return allocation;
    }

    @Override
    public int grantsOutstanding() {
        pollHeld();
        return live.stream().mapToInt(PageAllocation::pageCount).sum()
                + held.stream().mapToInt(PageAllocation::pageCount).sum();
    }

    @Override
    public int pagesHeld() {
        pollHeld();
        return held.stream().mapToInt(PageAllocation::pageCount).sum();
    }
}
