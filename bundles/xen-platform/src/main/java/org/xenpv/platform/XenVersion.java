package org.xenpv.platform;

/**
 * A Xen version: major.minor and the extra string (for example ".5" or "-rc").
 */
public record XenVersion(int major, int minor, String extra) {
    public XenVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("negative Xen version " + major + "." + minor);
        }
        extra = extra == null ? "" : extra;
    }

    @Override
    public String toString() {
        return major + "." + minor + extra;
    }
}
