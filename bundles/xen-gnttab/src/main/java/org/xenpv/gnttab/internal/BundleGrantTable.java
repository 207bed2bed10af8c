package org.xenpv.gnttab.internal;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
import org.xenpv.platform.spi.DevicePortProvider;
import org.xenpv.platform.spi.GrantAllocPort;

/**
 * One bundle's grant table, over its own opened grant-allocation device, so
 * that everything it granted is revoked when it lets go of the service.
 */
@Component(scope = ServiceScope.BUNDLE)
public final class BundleGrantTable implements GrantTable {
    private static final Logger LOG = LoggerFactory.getLogger(BundleGrantTable.class);

    private final GrantLedger ledger;
    private final GrantAllocPort port;
    private final String owner;
    private final Set<PageAllocation> live = ConcurrentHashMap.newKeySet();

    @Activate
    public BundleGrantTable(@Reference DevicePortProvider provider, @Reference GrantLedger ledger,
            ComponentContext context) throws IOException {
        this(provider.openGrantAllocPort(), ledger, ownerName(context.getUsingBundle()));
    }

    /**
     * A grant table outside OSGi ({@link StandaloneLayer}, this package's tests): release it with
     * {@link #deactivate()}. A factory, not a constructor: SCR would try a second constructor of the same
     * arity and log an error for it at every activation.
     */
    static BundleGrantTable forPort(GrantAllocPort port, GrantLedger ledger, String owner) {
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

    @Deactivate
    public void deactivate() {
        int leftOver = grantsOutstanding();
        for (PageAllocation allocation : List.copyOf(live)) {
            allocation.close();
        }
        port.close();
        ledger.unregister(this);
        if (leftOver > 0) {
            LOG.info("revoked {} pages that {} still granted when it let go of the grant table", leftOver, owner);
        }
    }

    String owner() {
        return owner;
    }

    @Override
    public GrantedPages grant(int domid, int pageCount, Access access) throws IOException {
        return allocate(domid, pageCount, access);
    }

    @Override
    public PagePool createPool(int domid, int pageCount, Access access) throws IOException {
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
                port.allocate(domid, pageCount, access == Access.WRITABLE), access, live::remove,
                ledger::revocationDeferred);
        live.add(allocation);
        return allocation;
    }

    @Override
    public int grantsOutstanding() {
        return live.stream().mapToInt(PageAllocation::pageCount).sum();
    }
}
