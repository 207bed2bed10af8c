package org.xenpv.sim.hypervisor;

import java.nio.ByteBuffer;

/**
 * A grant mapped by another domain: a view of the granter's page, read-only
 * when mapped so. While it exists the granter cannot end the grant.
 */
public final class GrantMapping implements AutoCloseable {
    private final GrantTable table;
    private final Domain mapper;
    private final int ref;
    private final boolean readOnly;
    private final ByteBuffer page;
    private boolean unmapped;

    GrantMapping(GrantTable table, Domain mapper, int ref, boolean readOnly, ByteBuffer page) {
        this.table = table;
        this.mapper = mapper;
        this.ref = ref;
        this.readOnly = readOnly;
        this.page = page;
    }

    /** The shared page, little-endian; the view stays valid for reading after unmap but must not be used. */
    public ByteBuffer page() {
        return page;
    }

    public int ref() {
        return ref;
    }

    public boolean readOnly() {
        return readOnly;
    }

    public Domain mapper() {
        return mapper;
    }

    public Domain granter() {
        return table.owner();
    }

    /** GNTTABOP_unmap_grant_ref. */
    public void unmap() {
        synchronized (this) {
            if (unmapped) {
                throw new IllegalStateException("grant " + ref + " of " + table.owner() + " is already unmapped");
            }
            unmapped = true;
        }
        table.unmap(this);
    }

    /** Unmaps unless already unmapped. */
    @Override
    public void close() {
        synchronized (this) {
            if (unmapped) {
                return;
            }
            unmapped = true;
        }
        table.unmap(this);
    }
}
