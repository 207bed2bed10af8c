package org.xenpv.gnttab.standalone;

import java.io.IOException;

import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.internal.BundleGrantTable;
import org.xenpv.gnttab.internal.GrantLedger;
import org.xenpv.platform.spi.GrantAllocPort;

/**
 * The grant table of {@link StandaloneGrantTable#open}: the service's, for one user, with a ledger of its own.
 * A wrapper, not {@link BundleGrantTable} itself: Declarative Services registers a component under the
 * interfaces it implements, and the service must stay a plain GrantTable.
 */
final class OwnLedgerGrantTable implements StandaloneGrantTable {
    private final BundleGrantTable table;

    OwnLedgerGrantTable(GrantAllocPort port, String owner) {
        this.table = BundleGrantTable.forPort(port, new GrantLedger(), owner);
    }

    @Override
    public GrantedPages grant(int domid, int pageCount, Access access) throws IOException {
        return table.grant(domid, pageCount, access);
    }

    @Override
    public PagePool createPool(int domid, int pageCount, Access access) throws IOException {
        return table.createPool(domid, pageCount, access);
    }

    @Override
    public int grantsOutstanding() {
        return table.grantsOutstanding();
    }

    @Override
    public int pagesHeld() {
        return table.pagesHeld();
    }

    @Override
    public void close() {
        table.release(false);
    }
}
