package org.xenpv.sim.xenstore;

import org.xenpv.abi.xs.XsError;
import org.xenpv.abi.xs.XsWire;

/** XenStore path rules: the characters allowed, lengths, relative paths under a domain's home. */
final class XsPaths {
    private XsPaths() {
    }

    static String home(int domid) {
        return "/local/domain/" + domid;
    }

    /**
     * The absolute, checked form of a path a domain sent.
     *
     * @throws XsRefusal EINVAL for an empty path, a bad character, "//", a trailing "/" or one too long
     */
    static String absolute(String path, int domid) throws XsRefusal {
        if (path.isEmpty()) {
            throw new XsRefusal(XsError.EINVAL, "empty path");
        }
        boolean relative = path.charAt(0) != '/';
        if (path.length() > (relative ? XsWire.REL_PATH_MAX : XsWire.ABS_PATH_MAX)) {
            throw new XsRefusal(XsError.EINVAL, "path longer than " + (relative ? XsWire.REL_PATH_MAX
                    : XsWire.ABS_PATH_MAX) + " bytes");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '/' || c == '_' || c == '@';
            if (!valid) {
                throw new XsRefusal(XsError.EINVAL, "character 0x" + Integer.toHexString(c) + " in path");
            }
        }
        if (path.contains("//") || (path.length() > 1 && path.endsWith("/"))) {
            throw new XsRefusal(XsError.EINVAL, "empty path element in '" + path + "'");
        }
        return relative ? home(domid) + "/" + path : path;
    }

    /** The parent of an absolute path other than "/". */
    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    static String leaf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** True when {@code path} is {@code ancestor} or lies under it. */
    static boolean isAtOrUnder(String path, String ancestor) {
        return path.equals(ancestor) || ancestor.equals("/")
                || (path.startsWith(ancestor) && path.charAt(ancestor.length()) == '/');
    }

    /** The path as a domain that sent it relative sees it: with its home stripped. */
    static String relativeTo(String absolute, int domid) {
        String home = home(domid) + "/";
        return absolute.startsWith(home) ? absolute.substring(home.length()) : absolute;
    }
}
