package org.xenpv.gnttab;

/**
 * What revoking granted pages achieved. Xen ends a grant only while the
 * domain it was granted to neither maps it nor copies through it, and gives
 * the granter no way to force the end.
 */
public enum Revocation {
    /** Every page ended now: the other domain can reach none of them any more. */
    ENDED,
    /**
     * The other domain still maps or uses some of the pages. They stay granted,
     * are never handed out again, and stay accounted as held
     * ({@link GrantTable#pagesHeld()}) until it lets go; each operation of the
     * grant table, and each look at its counts, tries their end again.
     */
    DEFERRED,
    /**
     * The platform does not say whether the other domain still held some pages:
     * on Linux, gntalloc hands a grant still in use to the kernel, which keeps
     * the page and ends the grant later, and tells the caller nothing.
     */
    UNKNOWN;

    /** The less certain of two outcomes: several pages' revocation is only as good as its worst. */
    public Revocation and(Revocation other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
