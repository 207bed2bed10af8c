package org.xenpv.sim.xenstore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;

import org.xenpv.abi.xs.XsError;

/**
 * A transaction: reads and writes go to a private copy of the tree; the nodes
 * it touched are remembered with their generation at the start, and commit
 * fails with EAGAIN when any of them changed meanwhile. Commit replays the
 * writes on the live tree.
 */
final class XsTransaction {
    /** A change replayed on commit. */
    interface Mutation {
        XsTree.Change apply(XsTree tree, XsTree.Caller caller, long generation) throws XsRefusal;
    }

    final int id;
    final XsTree working;
    private final XsTree start;
    private final Map<String, Long> touched = new LinkedHashMap<>();
    final List<Mutation> mutations = new ArrayList<>();
    /** Whether a node was created: only then does C xenstored check the node quota at commit. */
    boolean nodeCreated;

    XsTransaction(int id, XsTree live, IntUnaryOperator liveNodesOwned) {
        this.id = id;
        this.start = live.copy();
        this.working = live.copyForTransaction(liveNodesOwned);
    }

    /**
     * Remembers a node the transaction accessed; an unprivileged domain's
     * transaction may access {@code maxNodes} (C's transaction-nodes quota).
     */
    void touch(String path, XsTree.Caller caller, int maxNodes) throws XsRefusal {
        if (touched.containsKey(path)) {
            return;
        }
        if (caller.quotaBound() && touched.size() >= maxNodes) {
            throw new XsRefusal(XsError.ENOSPC, "the transaction accessed " + touched.size()
                    + " nodes; the quota is " + maxNodes);
        }
        touched.put(path, start.generationOf(path));
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
