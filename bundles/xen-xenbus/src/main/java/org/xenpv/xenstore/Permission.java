package org.xenpv.xenstore;

import java.util.Locale;

/**
 * One entry of a node's permission list. The first entry of a list names the
 * owner and the access of every domain not listed; the others give one domain
 * its access.
 */
public record Permission(int domid, Access access) {
    /** The access letters XenStore uses. */
    public enum Access {
        NONE('n'), READ('r'), WRITE('w'), BOTH('b');

        private final char letter;

        Access(char letter) {
            this.letter = letter;
        }

        public char letter() {
            return letter;
        }

        static Access ofLetter(char letter) {
            for (Access access : values()) {
                if (access.letter == letter) {
                    return access;
                }
            }
            return null;
        }
    }

    public Permission {
        if (domid < 0 || domid > 0xffff) {
            throw new IllegalArgumentException("domid out of range: " + domid);
        }
        if (access == null) {
            throw new IllegalArgumentException("access is required");
        }
    }

    /**
     * Parses XenStore's form, for example "r5".
     *
     * @throws IllegalArgumentException when the text is not [nrwb]&lt;domid&gt;
     */
    public static Permission parse(String text) {
        Access access = text.isEmpty() ? null : Access.ofLetter(text.charAt(0));
        if (access == null || text.length() < 2) {
            throw new IllegalArgumentException("'" + text + "' is not a XenStore permission like r5");
        }
        try {
            return new Permission(Integer.parseInt(text.substring(1)), access);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a XenStore permission like r5", e);
        }
    }

    /** XenStore's form, for example "r5". */
    @Override
    public String toString() {
        return Character.toString(access.letter()).toLowerCase(Locale.ROOT) + domid;
    }
}
