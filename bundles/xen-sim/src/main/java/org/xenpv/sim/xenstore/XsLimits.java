package org.xenpv.sim.xenstore;

/**
 * The server's quotas, with C xenstored's defaults (Xen 4.17,
 * tools/xenstore/xenstored_core.c). They bind unprivileged domains only:
 * dom0's connections, its socket included, are exempt from all but the path
 * length, which C xenstored checks for everyone.
 *
 * @param nodesPerDomain nodes a domain may own ("nodes", 1000): creating one more fails with ENOSPC
 * @param watchesPerDomain watches over all of a domain's connections ("watches", 128); C checks
 *     {@code count > quota} before adding, so the 130th watch fails with E2BIG
 * @param transactionsPerConnection open transactions ("transactions", 10); C checks
 *     {@code started > quota} before starting, so the 12th fails with ENOSPC
 * @param nodeSize bytes of a node's record ("node-size", 2048): header, permissions, value and child
 *     names; a write that makes a record this big or bigger fails with ENOSPC
 * @param permissionsPerNode entries a SET_PERMS may carry ("permissions", 5), more fail with ENOSPC
 * @param pathMax characters of a path after {@code /local/domain/<domid>/} (or of the whole path
 *     elsewhere) ("path-max", XENSTORE_REL_PATH_MAX), longer fail with EINVAL
 * @param transactionNodes nodes a transaction may access ("transaction-nodes", 1024), one more fails
 *     with ENOSPC
 */
record XsLimits(int nodesPerDomain, int watchesPerDomain, int transactionsPerConnection, int nodeSize,
        int permissionsPerNode, int pathMax, int transactionNodes) {
    static final XsLimits DEFAULTS = new XsLimits(1000, 128, 10, 2048, 5, 2048, 1024);

    /** C xenstored's limits that the simulator reports but does not enforce (see docs/xenstore.md). */
    static final int OUTSTANDING_REQUESTS = 20;
    static final int MEMORY_PER_DOMAIN = 2 * 1024 * 1024 + 512 * 1024;

    /**
     * Bytes of a node's record as C xenstored stores it: {@code struct xs_tdb_record_hdr}
     * (a 64-bit generation and three 32-bit counts, padded to 24 bytes), 8 bytes per
     * permission entry, the value and the NUL-terminated child names.
     */
    static int recordSize(int permissions, int valueLength, int childNamesLength) {
        return 24 + 8 * permissions + valueLength + childNamesLength;
    }
}
