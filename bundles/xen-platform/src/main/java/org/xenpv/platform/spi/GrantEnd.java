package org.xenpv.platform.spi;

/**
 * What ending a grant's access achieved. Xen ends a grant only while the
 * domain it was granted to neither maps it nor copies through it; the granter
 * cannot force the end, it can only try again.
 */
public enum GrantEnd {
    /** Every grant ended: the pages are free and the peer can reach them no more. */
    ENDED,
    /**
     * The peer still maps or uses some of the pages: their grants stand until it
     * lets go, and until then the pages must be neither reused nor freed.
     */
    DEFERRED,
    /**
     * The platform does not say: Linux's gntalloc hands a grant still in use to
     * the kernel, which ends it later, and tells user space nothing either way.
     */
    UNKNOWN;

    /** The less certain of two outcomes: an outcome for several grants is only as good as its worst. */
    public GrantEnd and(GrantEnd other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
