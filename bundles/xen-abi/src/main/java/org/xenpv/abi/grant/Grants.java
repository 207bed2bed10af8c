package org.xenpv.abi.grant;

/** Grant-entry flags, grant-copy flags and the domain ids Xen reserves. */
public final class Grants {
    // Grant entry types and flags (GTF_*).
    public static final int GTF_INVALID = 0;
    public static final int GTF_PERMIT_ACCESS = 1;
    public static final int GTF_ACCEPT_TRANSFER = 2;
    public static final int GTF_TRANSITIVE = 3;
    public static final int GTF_TYPE_MASK = 3;
    public static final int GTF_READONLY = 1 << 2;
    /** Set by Xen while the grantee maps the page for reading. */
    public static final int GTF_READING = 1 << 3;
    /** Set by Xen while the grantee maps the page for writing. */
    public static final int GTF_WRITING = 1 << 4;

    // Grant copy (GNTTABOP_copy) operand flags.
    public static final int GNTCOPY_SOURCE_GREF = 1 << 0;
    public static final int GNTCOPY_DEST_GREF = 1 << 1;
    /** Map flag: map read-only. */
    public static final int GNTMAP_READONLY = 1 << 2;

    /** Entries at the start of every grant table that the toolstack keeps for itself. */
    public static final int GNTTAB_NR_RESERVED_ENTRIES = 8;

    // Domain ids.
    public static final int DOMID_FIRST_RESERVED = 0x7FF0;
    public static final int DOMID_SELF = 0x7FF0;
    public static final int DOMID_IO = 0x7FF1;
    public static final int DOMID_XEN = 0x7FF2;
    public static final int DOMID_COW = 0x7FF3;
    public static final int DOMID_INVALID = 0x7FF4;
    public static final int DOMID_IDLE = 0x7FFF;
    public static final int DOMID_MASK = 0x7FFF;

    private Grants() {
    }

    /** Whether {@code domid} names a real domain, not one of Xen's reserved ids. */
    public static boolean isRegularDomain(int domid) {
        return domid >= 0 && domid < DOMID_FIRST_RESERVED;
    }
}
