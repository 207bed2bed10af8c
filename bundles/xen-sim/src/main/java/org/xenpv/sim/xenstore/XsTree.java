package org.xenpv.sim.xenstore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;

import org.xenpv.abi.xs.XsError;

/**
 * The XenStore tree with Xen's access rules. A domain reads a node it may
 * read and changes one it may write; a new node needs write access to its
 * nearest existing ancestor and inherits its permissions, owned by its
 * creator. Permissions are per node, not inherited at access time. The
 * privileged domain (dom0) may do anything.
 */
final class XsTree {
    private static final class Node {
        byte[] value;
        NodePerms perms;
        long generation;
        final Map<String, Node> children = new LinkedHashMap<>();
        /** Bytes of the children's names with their NULs, as C xenstored stores them in the record. */
        int childNamesLength;

        Node(byte[] value, NodePerms perms, long generation) {
            this.value = value;
            this.perms = perms;
            this.generation = generation;
        }

        Node deepCopy() {
            Node copy = new Node(value, perms, generation);
            children.forEach((name, child) -> copy.children.put(name, child.deepCopy()));
            copy.childNamesLength = childNamesLength;
            return copy;
        }

        void addChild(String name, Node child) {
            children.put(name, child);
            childNamesLength += nameLength(name);
        }

        void removeChild(String name) {
            if (children.remove(name) != null) {
                childNamesLength -= nameLength(name);
            }
        }
    }

    /**
     * Who asks: the domain, whether it may bypass permissions and quotas
     * (dom0), and whether this is a transaction's commit replaying a change
     * already checked against the quotas when it was requested.
     */
    record Caller(int domid, boolean privileged, boolean replay) {
        Caller(int domid, boolean privileged) {
            this(domid, privileged, false);
        }

        /** Quotas bind unprivileged domains, once: when the change is requested. */
        boolean quotaBound() {
            return !privileged && !replay;
        }

        Caller replaying() {
            return new Caller(domid, privileged, true);
        }
    }

    /**
     * What a change did to one node, for watches: its path, the permissions
     * readers are checked against, and whether the node (and all under it) went.
     */
    record Change(String path, NodePerms perms, boolean removal) {
    }

    private final XsLimits limits;
    private final Node root;
    private final Map<Integer, Integer> nodesByOwner;
    /**
     * For a transaction's copy: the nodes each domain owns in the live tree.
     * C xenstored checks a creation inside a transaction against the live
     * count (what the transaction added is checked at commit); null for the
     * live tree, which counts each new node as it goes.
     */
    private final IntUnaryOperator liveNodesOwned;

    XsTree(XsLimits limits) {
        this.limits = limits;
        this.root = new Node(new byte[0], NodePerms.of("n0"), 0);
        this.nodesByOwner = new HashMap<>();
        this.liveNodesOwned = null;
    }

    private XsTree(XsTree original, IntUnaryOperator liveNodesOwned) {
        this.limits = original.limits;
        this.root = original.root.deepCopy();
        this.nodesByOwner = new HashMap<>(original.nodesByOwner);
        this.liveNodesOwned = liveNodesOwned;
    }

    /** An independent copy (a commit's candidate, a transaction's starting point). */
    XsTree copy() {
        return new XsTree(this, null);
    }

    /** A transaction's working copy, whose creations are checked against {@code liveNodesOwned}. */
    XsTree copyForTransaction(IntUnaryOperator liveNodesOwned) {
        return new XsTree(this, liveNodesOwned);
    }

    static int nameLength(String name) {
        return name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
    }

    /** ENOSPC when the record of a node would reach the node-size quota (for quota-bound callers). */
    private void checkNodeSize(String path, int permissions, int valueLength, int childNamesLength, Caller caller)
            throws XsRefusal {
        if (!caller.quotaBound()) {
            return;
        }
        int size = XsLimits.recordSize(permissions, valueLength, childNamesLength);
        if (size >= limits.nodeSize()) {
            throw new XsRefusal(XsError.ENOSPC, "the record of " + path + " would take " + size
                    + " bytes; the node-size quota is " + limits.nodeSize());
        }
    }

    private Node find(String path) {
        if (path.equals("/")) {
            return root;
        }
        Node node = root;
        for (String element : path.substring(1).split("/")) {
            node = node.children.get(element);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    /** The node's generation, or -1 when it does not exist. */
    long generationOf(String path) {
        Node node = find(path);
        return node == null ? -1 : node.generation;
    }

    boolean exists(String path) {
        return find(path) != null;
    }

    private Node readable(String path, Caller caller) throws XsRefusal {
        Node node = find(path);
        if (node == null) {
            throw new XsRefusal(XsError.ENOENT, path);
        }
        if (!caller.privileged() && !node.perms.canRead(caller.domid())) {
            throw new XsRefusal(XsError.EACCES, "domain " + caller.domid() + " may not read " + path);
        }
        return node;
    }

    private Node writable(String path, Caller caller) throws XsRefusal {
        Node node = find(path);
        if (node == null) {
            throw new XsRefusal(XsError.ENOENT, path);
        }
        requireWrite(node, path, caller);
        return node;
    }

    private static void requireWrite(Node node, String path, Caller caller) throws XsRefusal {
        if (!caller.privileged() && !node.perms.canWrite(caller.domid())) {
            throw new XsRefusal(XsError.EACCES, "domain " + caller.domid() + " may not write " + path);
        }
    }

    byte[] read(String path, Caller caller) throws XsRefusal {
        return readable(path, caller).value.clone();
    }

    List<String> directory(String path, Caller caller) throws XsRefusal {
        return List.copyOf(readable(path, caller).children.keySet());
    }

    long directoryGeneration(String path, Caller caller) throws XsRefusal {
        return readable(path, caller).generation;
    }

    NodePerms perms(String path, Caller caller) throws XsRefusal {
        return readable(path, caller).perms;
    }

    /** Writes a value, creating the node and missing ancestors. */
    Change write(String path, byte[] value, Caller caller, long generation) throws XsRefusal {
        Node node = find(path);
        if (node != null) {
            requireWrite(node, path, caller);
            checkNodeSize(path, node.perms.entries().size(), value.length, node.childNamesLength, caller);
        } else {
            node = create(path, value.length, caller, generation);
        }
        node.value = value.clone();
        node.generation = generation;
        return new Change(path, node.perms, false);
    }

    /** Makes sure a node exists; returns the change, or null when it existed. */
    Change mkdir(String path, Caller caller, long generation) throws XsRefusal {
        if (find(path) != null) {
            return null;
        }
        return new Change(path, create(path, 0, caller, generation).perms, false);
    }

    /**
     * Creates a node and its missing ancestors, after checking every quota C
     * xenstored checks (its create_node): nodes owned, and the record size of
     * each new node and of the existing ancestor that gains a child.
     */
    private Node create(String path, int valueLength, Caller caller, long generation) throws XsRefusal {
        List<String> missing = new ArrayList<>();
        String ancestor = path;
        Node existing;
        while ((existing = find(ancestor)) == null) {
            missing.add(0, XsPaths.leaf(ancestor));
            ancestor = XsPaths.parent(ancestor);
        }
        requireWrite(existing, ancestor, caller);
        if (caller.quotaBound()) {
            // C counts each new node as it writes it (live) or checks the live count only (transaction).
            int owned = liveNodesOwned != null ? liveNodesOwned.applyAsInt(caller.domid())
                    : nodesByOwner.getOrDefault(caller.domid(), 0);
            int created = liveNodesOwned != null ? 1 : missing.size();
            if (owned + created > limits.nodesPerDomain()) {
                throw new XsRefusal(XsError.ENOSPC, "domain " + caller.domid() + " owns " + owned
                        + " nodes; the quota is " + limits.nodesPerDomain());
            }
            int permissions = existing.perms.entries().size();
            checkNodeSize(ancestor, permissions, existing.value.length,
                    existing.childNamesLength + nameLength(missing.get(0)), caller);
            for (int i = 0; i < missing.size(); i++) {
                boolean leaf = i == missing.size() - 1;
                checkNodeSize(path, permissions, leaf ? valueLength : 0,
                        leaf ? 0 : nameLength(missing.get(i + 1)), caller);
            }
        }
        Node node = existing;
        for (String element : missing) {
            Node child = new Node(new byte[0], node.perms.inheritedBy(caller.domid(), caller.privileged()),
                    generation);
            node.addChild(element, child);
            node.generation = generation;
            countOwned(child.perms.owner(), 1);
            node = child;
        }
        return node;
    }

    /**
     * Removes a node and everything under it.
     *
     * @return the change, or null when the node did not exist (but its parent does)
     */
    Change rm(String path, Caller caller, long generation) throws XsRefusal {
        if (path.equals("/")) {
            throw new XsRefusal(XsError.EINVAL, "the root cannot be removed");
        }
        Node node = find(path);
        if (node == null) {
            if (find(XsPaths.parent(path)) == null) {
                throw new XsRefusal(XsError.ENOENT, path);
            }
            return null;
        }
        requireWrite(node, path, caller);
        Node parent = find(XsPaths.parent(path));
        parent.removeChild(XsPaths.leaf(path));
        parent.generation = generation;
        uncount(node);
        return new Change(path, node.perms, true);
    }

    private void uncount(Node node) {
        countOwned(node.perms.owner(), -1);
        node.children.values().forEach(this::uncount);
    }

    Change setPerms(String path, NodePerms perms, Caller caller, long generation) throws XsRefusal {
        Node node = writable(path, caller);
        if (!caller.privileged() && node.perms.owner() != caller.domid()) {
            throw new XsRefusal(XsError.EACCES, "only the owner may change the permissions of " + path);
        }
        if (!caller.privileged() && perms.owner() != node.perms.owner()) {
            throw new XsRefusal(XsError.EPERM, "domain " + caller.domid() + " may not give " + path + " away");
        }
        checkNodeSize(path, perms.entries().size(), node.value.length, node.childNamesLength, caller);
        countOwned(node.perms.owner(), -1);
        countOwned(perms.owner(), 1);
        node.perms = perms;
        node.generation = generation;
        return new Change(path, perms, false);
    }

    private void countOwned(int owner, int delta) {
        nodesByOwner.merge(owner, delta, Integer::sum);
    }

    /** The domains that own nodes. */
    java.util.Set<Integer> owners() {
        return java.util.Set.copyOf(nodesByOwner.keySet());
    }

    int nodesOwnedBy(int domid) {
        return nodesByOwner.getOrDefault(domid, 0);
    }

    /** Every path in the tree, depth first, for checks and diagnostics. */
    List<String> paths() {
        List<String> paths = new ArrayList<>();
        collect("/", root, paths);
        return paths;
    }

    private static void collect(String path, Node node, List<String> paths) {
        paths.add(path);
        node.children.forEach((name, child) -> collect(path.equals("/") ? "/" + name : path + "/" + name, child,
                paths));
    }
}
