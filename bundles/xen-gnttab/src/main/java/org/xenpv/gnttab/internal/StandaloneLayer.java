package org.xenpv.gnttab.internal;

import java.io.IOException;

import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.StandaloneGrantTable;
import org.xenpv.platform.spi.GrantAllocPort;

/** The grant table of {@link StandaloneGrantTable#open}, with a ledger of its own. */
public final class StandaloneLayer {
    private StandaloneLayer() {
    }

    public static StandaloneGrantTable grantTable(GrantAllocPort port, String owner) {
        BundleGrantTable table = BundleGrantTable.forPort(port, new GrantLedger(), owner);
        // A wrapper, not BundleGrantTable itself: Declarative Services registers a component under the
        // interfaces it implements, and the service must stay a plain GrantTable.
        return new StandaloneGrantTable() {
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
        };
    }
}
