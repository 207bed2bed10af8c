package org.xenpv.abi.hypercall;

/** Hypercall numbers and sub-operations used through the privcmd device. */
public final class Hypercalls {
    public static final int HYPERVISOR_XEN_VERSION = 17;
    public static final int HYPERVISOR_GRANT_TABLE_OP = 20;

    /** xen_version: returns (major &lt;&lt; 16) | minor. */
    public static final int XENVER_VERSION = 0;
    /** xen_version: fills a 16-byte buffer with the extra version string. */
    public static final int XENVER_EXTRAVERSION = 1;

    private Hypercalls() {
    }

    public static int versionMajor(long xenVersionResult) {
        return (int) ((xenVersionResult >>> 16) & 0xffff);
    }

    public static int versionMinor(long xenVersionResult) {
        return (int) (xenVersionResult & 0xffff);
    }
}
