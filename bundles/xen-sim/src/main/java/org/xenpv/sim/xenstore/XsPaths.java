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
     * The absolute, checked form of a path a domain sent, by C xenstored's
     * rules (canonicalize, then is_valid_nodename): relative paths are under
     * the domain's home; the part after {@code /local/domain/<domid>/} (or
     * the whole path elsewhere) may be {@code pathMax} characters long.
     *
     * @throws XsRefusal EINVAL for an empty path, a bad character, "//", a trailing "/" or one too long
     */
    static String absolute(String path, int domid, int pathMax) throws XsRefusal {
        if (path.isEmpty()) {
            throw new XsRefusal(XsError.EINVAL, "empty path");
        }
        if (path.charAt(0) == '@') {
            throw new XsRefusal(XsError.EINVAL, "'" + path + "' names a special watch, not a node");
        }
        String absolute = path.charAt(0) == '/' ? path : home(domid) + "/" + path;
        int allowed = localOffset(absolute) + pathMax;
        if (absolute.length() > allowed) {
            throw new XsRefusal(XsError.EINVAL, "path of " + absolute.length() + " characters; at most " + allowed);
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '/' || c == '_' || c == '@';
            if (!valid) {
                throw new XsRefusal(XsError.EINVAL, "character 0x" + Integer.toHexString(c) + " in path");
            }
        }
        if (absolute.contains("//") || (absolute.length() > 1 && absolute.endsWith("/"))) {
            throw new XsRefusal(XsError.EINVAL, "empty path element in '" + path + "'");
        }
        return absolute;
    }

    /** As {@link #absolute(String, int, int)} with C xenstored's default path-max, XENSTORE_REL_PATH_MAX. */
    static String absolute(String path, int domid) throws XsRefusal {
        return absolute(path, domid, XsWire.REL_PATH_MAX);
    }

    /**
     * The length of a leading {@code /local/domain/<domid>/} (a domid of 1 to
     * 5 digits, as C's {@code sscanf("/local/domain/%5u/%n")} reads it), else 0.
     */
    static int localOffset(String absolute) {
        String prefix = "/local/domain/";
        if (!absolute.startsWith(prefix)) {
            return 0;
        }
        int i = prefix.length();
        int digits = 0;
        while (i < absolute.length() && digits < 5 && Character.isDigit(absolute.charAt(i))) {
            i++;
            digits++;
        }
        return digits > 0 && i < absolute.length() && absolute.charAt(i) == '/' ? i + 1 : 0;
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
