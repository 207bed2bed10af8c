package org.xenpv.sim.hypervisor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Objects;

import org.xenpv.abi.grant.GrantStatus;
import org.xenpv.abi.grant.Grants;

/**
 * The grant table of one domain, the granter. The granter's side is
 * {@link #grantAccess} and {@link #endAccess}; other domains use
 * {@link #map} and the copy operations, and Xen's rules apply: only the
 * grantee may use a grant, a read-only grant refuses writes, an ended grant
 * is gone, and a grant that is mapped or being copied cannot be ended.
 *
 * <p>An end refused because the grant is in use leaves the entry as it was
 * (Xen's v1 entry keeps GTF_permit_access, only the in-use flags stopped the
 * granter's compare-and-exchange), so the grantee may map it again until an
 * end succeeds. {@link #endAccessOrDefer} adds what the guest kernel does on
 * top (gnttab_end_foreign_access's deferred list): a grant still in use is
 * ended as soon as its last user lets go, and is usable by its grantee until then.
 */
public final class GrantTable {
    /** The page size of grants. */
    public static final int PAGE_SIZE = 4096;

    private final Domain owner;
    private final Entry[] entries;
    /** Free references, oldest first: FIFO reuse makes a stale reference fail rather than alias. */
    private final ArrayDeque<Integer> freeRefs = new ArrayDeque<>();
    private int active;
    private int deferred;

    private static final class Entry {
        final int grantee;
        final boolean readOnly;
        final ByteBuffer page;
        int mappings;
        int copies;
        /** The granter asked to end it while in use; it ends when the last user lets go. */
        boolean endDeferred;
        /** Its granter was destroyed: no new use, it ends when the last user lets go. */
        boolean granterGone;

        Entry(int grantee, boolean readOnly, ByteBuffer page) {
            this.grantee = grantee;
            this.readOnly = readOnly;
            this.page = page;
        }

        boolean inUse() {
            return mappings > 0 || copies > 0;
        }
    }

    GrantTable(Domain owner, int size) {
        this.owner = owner;
        this.entries = new Entry[size];
        for (int ref = Grants.GNTTAB_NR_RESERVED_ENTRIES; ref < size; ref++) {
            freeRefs.add(ref);
        }
    }

    /**
     * Grants {@code grantee} access to one page of the owner's memory.
     *
     * @param page exactly {@value #PAGE_SIZE} bytes from its position; the memory is shared, not copied
     * @return the grant reference
     * @throws GrantException NO_SPACE when the table is full, BAD_DOMAIN for a reserved domid
     */
    public synchronized int grantAccess(int grantee, ByteBuffer page, boolean readOnly) throws GrantException {
        Objects.requireNonNull(page, "page");
        if (page.remaining() != PAGE_SIZE) {
            throw new IllegalArgumentException("a grant covers one page of " + PAGE_SIZE + " bytes, not "
                    + page.remaining());
        }
        if (!Grants.isRegularDomain(grantee)) {
            throw new GrantException(GrantStatus.BAD_DOMAIN, "cannot grant to domid " + grantee);
        }
        Integer ref = freeRefs.poll();
        if (ref == null) {
            throw new GrantException(GrantStatus.NO_SPACE, owner + ": all " + entries.length
                    + " grant references are in use");
        }
        entries[ref] = new Entry(grantee, readOnly, page.slice().order(ByteOrder.LITTLE_ENDIAN));
        active++;
        return ref;
    }

    /**
     * Ends a grant, as gnttab_end_foreign_access_ref does.
     *
     * @return false, leaving the grant in place, when the grantee maps it or copies from it now
     * @throws GrantException BAD_GNTREF when {@code ref} is not an active grant
     */
    public synchronized boolean endAccess(int ref) throws GrantException {
        Entry entry = activeEntry(ref);
        if (entry.inUse()) {
            return false;
        }
        release(ref);
        return true;
    }

    /**
     * Ends a grant now, or as soon as the grantee stops using it. Until then
     * the grantee may still map it and copy through it, as on Xen, where the
     * kernel's deferred end only retries the end of an entry left as it was.
     *
     * @return true when it ended now
     */
    public synchronized boolean endAccessOrDefer(int ref) throws GrantException {
        Entry entry = activeEntry(ref);
        if (!entry.inUse()) {
            release(ref);
            return true;
        }
        entry.endDeferred = true;
        active--;
        deferred++;
        return false;
    }

    /** Maps a grant of this table into {@code mapper}'s address space (GNTTABOP_map_grant_ref). */
    public GrantMapping map(Domain mapper, int ref, boolean readOnly) throws GrantException {
        ByteBuffer view;
        synchronized (this) {
            Entry entry = usableEntry(mapper, ref, !readOnly);
            entry.mappings++;
            view = readOnly ? entry.page.asReadOnlyBuffer() : entry.page.duplicate();
        }
        mapper.mappingAdded();
        return new GrantMapping(this, mapper, ref, readOnly, view.order(ByteOrder.LITTLE_ENDIAN));
    }

    void unmap(GrantMapping mapping) {
        synchronized (this) {
            Entry entry = entries[mapping.ref()];
            entry.mappings--;
            releaseIfDeferredAndIdle(mapping.ref(), entry);
        }
        mapping.mapper().mappingRemoved();
    }

    /**
     * Copies {@code length} bytes from offset {@code offset} of granted page
     * {@code ref} to {@code destination} (GNTTABOP_copy with a source gref).
     */
    public void copyFromGrant(Domain copier, int ref, int offset, ByteBuffer destination, int length)
            throws GrantException {
        checkCopyRange(offset, length);
        if (destination.remaining() < length) {
            throw new GrantException(GrantStatus.BAD_COPY_ARG, "destination has " + destination.remaining()
                    + " bytes left, copy needs " + length);
        }
        Entry entry = beginCopy(copier, ref, false);
        try {
            destination.put(destination.position(), entry.page, offset, length);
            destination.position(destination.position() + length);
        } finally {
            endCopy(ref, entry);
        }
    }

    /**
     * Copies {@code length} bytes from {@code source} into granted page
     * {@code ref} at {@code offset} (GNTTABOP_copy with a destination gref).
     */
    public void copyToGrant(Domain copier, ByteBuffer source, int ref, int offset, int length)
            throws GrantException {
        checkCopyRange(offset, length);
        if (source.remaining() < length) {
            throw new GrantException(GrantStatus.BAD_COPY_ARG, "source has " + source.remaining()
                    + " bytes left, copy needs " + length);
        }
        Entry entry = beginCopy(copier, ref, true);
        try {
            entry.page.put(offset, source, source.position(), length);
            source.position(source.position() + length);
        } finally {
            endCopy(ref, entry);
        }
    }

    /**
     * Copies {@code length} bytes from offset {@code offset} of granted page
     * {@code ref} into {@code destination} from {@code at}: GNTTABOP_copy into
     * the copier's own memory, without a buffer object per copy.
     */
    public void copyFromGrant(Domain copier, int ref, int offset, byte[] destination, int at, int length)
            throws GrantException {
        checkCopyRange(offset, length);
        checkArrayRange("destination", destination, at, length);
        Entry entry = beginCopy(copier, ref, false);
        try {
            entry.page.get(offset, destination, at, length);
        } finally {
            endCopy(ref, entry);
        }
    }

    /**
     * Copies {@code length} bytes of {@code source} from {@code at} into
     * granted page {@code ref} at {@code offset}: GNTTABOP_copy from the
     * copier's own memory, without a buffer object per copy.
     */
    public void copyToGrant(Domain copier, byte[] source, int at, int ref, int offset, int length)
            throws GrantException {
        checkCopyRange(offset, length);
        checkArrayRange("source", source, at, length);
        Entry entry = beginCopy(copier, ref, true);
        try {
            entry.page.put(offset, source, at, length);
        } finally {
            endCopy(ref, entry);
        }
    }

    /**
     * Runs every operation of {@code batch} (GNTTABOP_copy with an array of
     * ops, each a gref of this table on one side and the copier's memory on
     * the other) and sets each one's status: OKAY, or what the same single
     * copy would have thrown. Every grant is checked and held under one
     * acquisition of the table's lock, copied through outside it, and let go
     * under one more: while the batch copies, its grants are in use, and an
     * end of access waits or is deferred as for a single copy.
     */
    public void copy(Domain copier, GrantCopyBatch batch) {
        int n = batch.size;
        boolean write = batch.toGrant();
        synchronized (this) {
            for (int i = 0; i < n; i++) {
                int offset = batch.offset[i];
                int length = batch.length[i];
                byte[] array = batch.buffer[i];
                int at = batch.at[i];
                if (offset < 0 || length < 0 || offset + length > PAGE_SIZE || array == null || at < 0
                        || at > array.length - length) {
                    batch.status[i] = GrantStatus.BAD_COPY_ARG;
                    continue;
                }
                Entry entry = usableEntryOrNull(copier, batch.ref[i], write);
                if (entry == null) {
                    batch.status[i] = refusal(copier, batch.ref[i], write);
                    continue;
                }
                entry.copies++;
                batch.pinned[i] = entry;
                batch.status[i] = GrantStatus.OKAY;
            }
        }
        boolean any = false;
        for (int i = 0; i < n; i++) {
            Entry entry = (Entry) batch.pinned[i];
            if (entry == null) {
                continue;
            }
            any = true;
            if (write) {
                entry.page.put(batch.offset[i], batch.buffer[i], batch.at[i], batch.length[i]);
            } else {
                entry.page.get(batch.offset[i], batch.buffer[i], batch.at[i], batch.length[i]);
            }
        }
        if (any) {
            synchronized (this) {
                for (int i = 0; i < n; i++) {
                    Entry entry = (Entry) batch.pinned[i];
                    if (entry != null) {
                        batch.pinned[i] = null;
                        entry.copies--;
                        releaseIfDeferredAndIdle(batch.ref[i], entry);
                    }
                }
            }
        }
    }

    /** The entry {@code user} may use as asked, or null: the batch's check, without an exception per refusal. */
    private Entry usableEntryOrNull(Domain user, int ref, boolean write) {
        Entry entry = ref >= 0 && ref < entries.length ? entries[ref] : null;
        if (entry == null || entry.granterGone || entry.grantee != user.domid() || (write && entry.readOnly)) {
            return null;
        }
        return entry;
    }

    /** Why {@link #usableEntry} refuses: the same status it throws. */
    private GrantStatus refusal(Domain user, int ref, boolean write) {
        try {
            usableEntry(user, ref, write);
            return GrantStatus.OKAY;
        } catch (GrantException e) {
            return e.status();
        }
    }

    private static void checkArrayRange(String what, byte[] bytes, int at, int length) throws GrantException {
        if (at < 0 || at > bytes.length - length) {
            throw new GrantException(GrantStatus.BAD_COPY_ARG, what + " has " + bytes.length + " bytes, copy needs "
                    + length + " from " + at);
        }
    }

    private static void checkCopyRange(int offset, int length) throws GrantException {
        if (offset < 0 || length < 0 || offset + length > PAGE_SIZE) {
            throw new GrantException(GrantStatus.BAD_COPY_ARG, "copy of " + length + " bytes at offset " + offset
                    + " crosses the page");
        }
    }

    private synchronized Entry beginCopy(Domain copier, int ref, boolean write) throws GrantException {
        Entry entry = usableEntry(copier, ref, write);
        entry.copies++;
        return entry;
    }

    private synchronized void endCopy(int ref, Entry entry) {
        entry.copies--;
        releaseIfDeferredAndIdle(ref, entry);
    }

    private Entry usableEntry(Domain user, int ref, boolean write) throws GrantException {
        Entry entry = ref >= 0 && ref < entries.length ? entries[ref] : null;
        if (entry == null || entry.granterGone) {
            throw new GrantException(GrantStatus.BAD_GNTREF, owner + " has no grant " + ref);
        }
        if (entry.grantee != user.domid()) {
            throw new GrantException(GrantStatus.PERMISSION_DENIED, "grant " + ref + " of " + owner
                    + " is for domain " + entry.grantee + ", not " + user.domid());
        }
        if (write && entry.readOnly) {
            throw new GrantException(GrantStatus.PERMISSION_DENIED, "grant " + ref + " of " + owner
                    + " is read-only");
        }
        return entry;
    }

    private Entry activeEntry(int ref) throws GrantException {
        Entry entry = ref >= 0 && ref < entries.length ? entries[ref] : null;
        if (entry == null || entry.endDeferred) {
            throw new GrantException(GrantStatus.BAD_GNTREF, owner + " has no grant " + ref);
        }
        return entry;
    }

    private void releaseIfDeferredAndIdle(int ref, Entry entry) {
        if (entry.endDeferred && !entry.inUse() && entries[ref] == entry) {
            entries[ref] = null;
            freeRefs.add(ref);
            deferred--;
        }
    }

    private void release(int ref) {
        entries[ref] = null;
        freeRefs.add(ref);
        active--;
    }

    /** Ends every grant; those in use end when their users let go. */
    synchronized void revokeAll() {
        for (int ref = 0; ref < entries.length; ref++) {
            Entry entry = entries[ref];
            if (entry != null) {
                entry.granterGone = true;
                if (entry.endDeferred) {
                    continue;
                }
                if (entry.inUse()) {
                    entry.endDeferred = true;
                    active--;
                    deferred++;
                } else {
                    release(ref);
                }
            }
        }
    }

    /** Grants that are active now (not counting deferred ones). */
    public synchronized int activeGrants() {
        return active;
    }

    /** Grants whose end waits for their grantee to let go. */
    public synchronized int deferredGrants() {
        return deferred;
    }

    /** References still free. */
    public synchronized int freeReferences() {
        return freeRefs.size();
    }

    public Domain owner() {
        return owner;
    }
}
