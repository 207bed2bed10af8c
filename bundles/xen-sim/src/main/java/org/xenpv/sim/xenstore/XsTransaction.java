package org.xenpv.sim.xenstore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A transaction: reads and writes go to a private copy of the tree; the nodes
 * it touched are remembered with their generation at the start, and commit
 * fails with EAGAIN when any of them changed meanwhile. Commit replays the
 * writes on the live tree.
 */
final class XsTransaction {
    /** A change replayed on commit. */
    interface Mutation {
        XsTree.Change apply(XsTree tree, long generation) throws XsRefusal;
    }

    final int id;
    final XsTree working;
    private final XsTree start;
    private final Map<String, Long> touched = new LinkedHashMap<>();
    final List<Mutation> mutations = new ArrayList<>();

    XsTransaction(int id, XsTree live) {
        this.id = id;
        this.start = live.copy();
        this.working = live.copy();
    }

    void touch(String path) {
        touched.computeIfAbsent(path, start::generationOf);
    }

    /** True when every node the transaction touched is as it was when it began. */
    boolean unchangedIn(XsTree live) {
        for (Map.Entry<String, Long> entry : touched.entrySet()) {
            if (live.generationOf(entry.getKey()) != entry.getValue()) {
                return false;
            }
        }
        return true;
    }
}
