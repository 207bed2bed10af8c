package org.xenpv.sim.xenstore;

import java.util.ArrayList;
import java.util.List;

import org.xenpv.abi.xs.XsError;

/**
 * A node's permissions as XenStore keeps them: the first entry names the
 * owner and the access of every domain not listed; further entries give
 * listed domains their access. Letters: n none, r read, w write, b both.
 */
record NodePerms(List<Entry> entries) {
    /** Largest domid an entry may name (DOMID_FIRST_RESERVED - 1). */
    static final int MAX_DOMID = 0x7fef;

    record Entry(int domid, char access) {
        boolean canRead() {
            return access == 'r' || access == 'b';
        }

        boolean canWrite() {
            return access == 'w' || access == 'b';
        }

        @Override
        public String toString() {
            return access + Integer.toString(domid);
        }
    }

    NodePerms {
        entries = List.copyOf(entries);
    }

    static NodePerms of(String... entries) {
        try {
            return parse(List.of(entries));
        } catch (XsRefusal e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    static NodePerms parse(List<String> texts) throws XsRefusal {
        if (texts.isEmpty()) {
            throw new XsRefusal(XsError.EINVAL, "no permission entry: at least the owner's is needed");
        }
        List<Entry> entries = new ArrayList<>();
        for (String text : texts) {
            if (text.length() < 2 || "nrwb".indexOf(text.charAt(0)) < 0) {
                throw new XsRefusal(XsError.EINVAL, "permission '" + text + "' is not [nrwb]<domid>");
            }
            int domid;
            try {
                domid = Integer.parseInt(text.substring(1));
            } catch (NumberFormatException e) {
                throw new XsRefusal(XsError.EINVAL, "permission '" + text + "' has no domid");
            }
            if (domid < 0 || domid > MAX_DOMID || !text.substring(1).equals(Integer.toString(domid))) {
                throw new XsRefusal(XsError.EINVAL, "permission '" + text + "' names no real domain");
            }
            entries.add(new Entry(domid, text.charAt(0)));
        }
        return new NodePerms(entries);
    }

    int owner() {
        return entries.get(0).domid();
    }

    /** The access of {@code domid}: full for the owner, its own entry if listed, the default otherwise. */
    private Entry accessOf(int domid) {
        if (domid == owner()) {
            return new Entry(domid, 'b');
        }
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).domid() == domid) {
                return entries.get(i);
            }
        }
        return entries.get(0);
    }

    boolean canRead(int domid) {
        return accessOf(domid).canRead();
    }

    boolean canWrite(int domid) {
        return accessOf(domid).canWrite();
    }

    /** The permissions a new child gets when {@code creator} makes it: the parent's, owned by the creator. */
    NodePerms inheritedBy(int creator, boolean privileged) {
        if (privileged) {
            return this;
        }
        List<Entry> copy = new ArrayList<>(entries);
        copy.set(0, new Entry(creator, entries.get(0).access()));
        return new NodePerms(copy);
    }

    List<String> texts() {
        return entries.stream().map(Entry::toString).toList();
    }
}
