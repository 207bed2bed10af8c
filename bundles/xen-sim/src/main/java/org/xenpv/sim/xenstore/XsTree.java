package org.xenpv.sim.xenstore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

        Node(byte[] value, NodePerms perms, long generation) {
            this.value = value;
            this.perms = perms;
            this.generation = generation;
        }

        Node deepCopy() {
            Node copy = new Node(value, perms, generation);
            children.forEach((name, child) -> copy.children.put(name, child.deepCopy()));
            return copy;
        }
    }

    /** Who asks, and whether they may bypass permissions. */
    record Caller(int domid, boolean privileged) {
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

    XsTree(XsLimits limits) {
        this.limits = limits;
        this.root = new Node(new byte[0], NodePerms.of("n0"), 0);
        this.nodesByOwner = new HashMap<>();
    }

    private XsTree(XsTree original) {
        this.limits = original.limits;
        this.root = original.root.deepCopy();
        this.nodesByOwner = new HashMap<>(original.nodesByOwner);
    }

    /** An independent copy, for a transaction. */
    XsTree copy() {
        return new XsTree(this);
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
        if (value.length > limits.maxValueBytes()) {
            throw new XsRefusal(XsError.ENOSPC, "value of " + value.length + " bytes exceeds "
                    + limits.maxValueBytes());
        }
        Node node = find(path);
        if (node != null) {
            requireWrite(node, path, caller);
        } else {
            node = create(path, caller, generation);
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
        return new Change(path, create(path, caller, generation).perms, false);
    }

    private Node create(String path, Caller caller, long generation) throws XsRefusal {
        List<String> missing = new ArrayList<>();
        String ancestor = path;
        Node existing;
        while ((existing = find(ancestor)) == null) {
            missing.add(0, XsPaths.leaf(ancestor));
            ancestor = XsPaths.parent(ancestor);
        }
        requireWrite(existing, ancestor, caller);
        if (!caller.privileged()) {
            int owned = nodesByOwner.getOrDefault(caller.domid(), 0);
            if (owned + missing.size() > limits.maxNodesPerDomain()) {
                throw new XsRefusal(XsError.ENOSPC, "domain " + caller.domid() + " owns " + owned
                        + " nodes; the quota is " + limits.maxNodesPerDomain());
            }
        }
        Node node = existing;
        for (String element : missing) {
            if (node.children.size() >= limits.maxChildren()) {
                throw new XsRefusal(XsError.ENOSPC, "too many children under " + ancestor);
            }
            Node child = new Node(new byte[0], node.perms.inheritedBy(caller.domid(), caller.privileged()),
                    generation);
            node.children.put(element, child);
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
        parent.children.remove(XsPaths.leaf(path));
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
        countOwned(node.perms.owner(), -1);
        countOwned(perms.owner(), 1);
        node.perms = perms;
        node.generation = generation;
        return new Change(path, perms, false);
    }

    private void countOwned(int owner, int delta) {
        nodesByOwner.merge(owner, delta, Integer::sum);
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
