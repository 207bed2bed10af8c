package org.xenpv.sim.xenstore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.xenpv.abi.xs.XsError;
import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.abi.xs.XsWire;

/**
 * The simulated XenStore daemon: the tree, transactions and watches, serving
 * connections of guests (permissions enforced) and of dom0 (privileged).
 * Requests are handled one at a time under the server's lock.
 */
public final class XenStoreServer {
    private static final String OK = XsWire.OK + "\0";

    /** A registered watch: the path as the client gave it, its absolute form, and the token. */
    record Watch(XsConnection owner, String givenPath, String absolutePath, String token) {
        boolean relative() {
            return !givenPath.startsWith("/") && !givenPath.startsWith("@");
        }
    }

    private final XsLimits limits;
    private final Set<XsConnection> connections = new LinkedHashSet<>();
    private final Set<Integer> introduced = new HashSet<>();
    private final AtomicLong malformed = new AtomicLong();
    private XsTree live;
    private long generation;

    public XenStoreServer() {
        this(XsLimits.DEFAULTS);
    }

    XenStoreServer(XsLimits limits) {
        this.limits = limits;
        this.live = new XsTree(limits);
        XsTree.Caller dom0 = new XsTree.Caller(0, true);
        try {
            live.mkdir("/local/domain", dom0, ++generation);
            live.mkdir("/tool", dom0, ++generation);
        } catch (XsRefusal e) {
            throw new IllegalStateException(e);
        }
    }

    /** Connects a client of domain {@code domid}; dom0 is privileged. */
    public synchronized XsConnection connect(int domid, MessageSink sink) {
        XsConnection connection = new XsConnection(this, domid, sink);
        connections.add(connection);
        return connection;
    }

    synchronized void disconnect(XsConnection connection) {
        if (connections.remove(connection)) {
            connection.watches.clear();
            connection.transactions.clear();
        }
        connection.markClosed();
    }

    /**
     * A fault for tests: requests of domain {@code domid} are still carried out, but every reply to it is
     * held, as from a xenstored that stopped answering that guest, until {@link #answerAgain}. Watch events
     * still go out, so the guest is still told to act, and everything it then asks goes unanswered.
     */
    public synchronized void stopAnswering(int domid) {
        connections.stream().filter(c -> c.domid() == domid).forEach(XsConnection::hold);
    }

    /** Ends {@link #stopAnswering}: what was held is sent, late, in order. */
    public synchronized void answerAgain(int domid) {
        connections.stream().filter(c -> c.domid() == domid).forEach(XsConnection::release);
    }

    /** Drops every connection (the daemon stops). */
    public synchronized void closeAll() {
        for (XsConnection connection : List.copyOf(connections)) {
            disconnect(connection);
        }
    }

    public synchronized int connectionCount() {
        return connections.size();
    }

    public synchronized int watchCount() {
        return connections.stream().mapToInt(c -> c.watches.size()).sum();
    }

    public synchronized int transactionCount() {
        return connections.stream().mapToInt(c -> c.transactions.size()).sum();
    }

    /** Messages refused as malformed (bad length, type or arguments) since start. */
    public long malformedCount() {
        return malformed.get();
    }

    void countMalformed() {
        malformed.incrementAndGet();
    }

    /** The toolstack made a domain known: fires @introduceDomain. */
    public synchronized void introduceDomain(int domid) {
        introduced.add(domid);
        fireSpecial(XsWire.INTRODUCE_DOMAIN_WATCH);
    }

    /** A domain went away: fires @releaseDomain. */
    public synchronized void releaseDomain(int domid) {
        introduced.remove(domid);
        fireSpecial(XsWire.RELEASE_DOMAIN_WATCH);
    }

    synchronized void handle(XsConnection connection, XsMessage request) {
        if (connection.isClosed()) {
            return;
        }
        XsMessageType type = XsMessageType.fromCode(Integer.toUnsignedLong(request.type()));
        try {
            if (type == null) {
                // As C xenstored: an unknown type is ENOSYS (still counted: a client sent nonsense).
                countMalformed();
                throw new XsRefusal(XsError.ENOSYS, "unknown message type " + request.type());
            }
            byte[] reply = dispatch(connection, type, request);
            connection.send(new XsMessage(request.type(), request.requestId(), request.transactionId(), reply));
            if (type == XsMessageType.WATCH) {
                Watch added = connection.watches.get(connection.watches.size() - 1);
                sendEvent(added, added.givenPath());
            }
        } catch (XsRefusal refusal) {
            if (refusal.error() == XsError.EINVAL) {
                countMalformed();
            }
            connection.send(XsMessage.of(XsMessageType.ERROR.code(), request.requestId(), request.transactionId(),
                    refusal.error().name() + "\0"));
        }
    }

    private byte[] dispatch(XsConnection c, XsMessageType type, XsMessage request) throws XsRefusal {
        int tx = request.transactionId();
        XsTree.Caller caller = c.caller();
        switch (type) {
            case READ: {
                String path = path(c, request.strings(1).get(0));
                return tree(c, tx, path).read(path, caller);
            }
            case DIRECTORY: {
                String path = path(c, request.strings(1).get(0));
                byte[] names = joined(tree(c, tx, path).directory(path, caller));
                if (names.length > XsWire.PAYLOAD_MAX) {
                    throw new XsRefusal(XsError.E2BIG, "children of " + path + " exceed one message");
                }
                return names;
            }
            case DIRECTORY_PART:
                return directoryPart(c, tx, request.strings(2));
            case GET_PERMS: {
                String path = path(c, request.strings(1).get(0));
                return joined(tree(c, tx, path).perms(path, caller).texts());
            }
            case WRITE: {
                String path = path(c, request.first());
                byte[] value = request.rest();
                mutate(c, tx, path, (tree, who, gen) -> tree.write(path, value, who, gen));
                return ok();
            }
            case MKDIR: {
                String path = path(c, request.strings(1).get(0));
                mutate(c, tx, path, (tree, who, gen) -> tree.mkdir(path, who, gen));
                return ok();
            }
            case RM: {
                String path = path(c, request.strings(1).get(0));
                mutate(c, tx, path, (tree, who, gen) -> tree.rm(path, who, gen));
                return ok();
            }
            case SET_PERMS: {
                List<String> args = request.strings(-1);
                if (args.size() < 2) {
                    throw new XsRefusal(XsError.EINVAL, "SET_PERMS needs a path and at least one permission");
                }
                if (caller.quotaBound() && args.size() - 1 > limits.permissionsPerNode()) {
                    throw new XsRefusal(XsError.ENOSPC, (args.size() - 1) + " permission entries; the quota is "
                            + limits.permissionsPerNode());
                }
                String path = path(c, args.get(0));
                NodePerms perms = NodePerms.parse(args.subList(1, args.size()));
                mutate(c, tx, path, (tree, who, gen) -> tree.setPerms(path, perms, who, gen));
                return ok();
            }
            case WATCH:
                return watch(c, request.strings(2));
            case UNWATCH:
                return unwatch(c, request.strings(2));
            case RESET_WATCHES:
                c.watches.clear();
                c.transactions.clear();
                return ok();
            case TRANSACTION_START:
                return startTransaction(c, tx);
            case TRANSACTION_END:
                return endTransaction(c, tx, request.strings(1).get(0));
            case GET_DOMAIN_PATH:
                return (XsPaths.home(domidArgument(request.strings(1).get(0))) + "\0")
                        .getBytes(StandardCharsets.US_ASCII);
            case IS_DOMAIN_INTRODUCED:
                return (introduced.contains(domidArgument(request.strings(1).get(0))) ? "T\0" : "F\0")
                        .getBytes(StandardCharsets.US_ASCII);
            case CONTROL:
                return control(c, request.strings(-1));
            case INTRODUCE:
            case RELEASE:
            case RESUME:
            case SET_TARGET:
                if (!c.privileged()) {
                    throw new XsRefusal(XsError.EACCES, type + " is for dom0");
                }
                throw new XsRefusal(XsError.ENOSYS, "the simulator's toolstack manages domains in-process");
            default:
                throw new XsRefusal(XsError.EINVAL, type + " is not a request");
        }
    }

    private static byte[] ok() {
        return OK.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] joined(List<String> strings) {
        StringBuilder joined = new StringBuilder();
        for (String s : strings) {
            joined.append(s).append('\0');
        }
        return joined.toString().getBytes(StandardCharsets.UTF_8);
    }

    private String path(XsConnection c, String path) throws XsRefusal {
        return XsPaths.absolute(path, c.domid(), limits.pathMax());
    }

    private static int domidArgument(String text) throws XsRefusal {
        try {
            int domid = Integer.parseInt(text);
            if (domid >= 0 && domid <= NodePerms.MAX_DOMID && text.equals(Integer.toString(domid))) {
                return domid;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new XsRefusal(XsError.EINVAL, "'" + text + "' is not a domain id");
    }

    /** The tree a request works on: the live one, or its transaction's copy (then the path is remembered). */
    private XsTree tree(XsConnection c, int tx, String path) throws XsRefusal {
        if (tx == XsWire.NO_TRANSACTION) {
            return live;
        }
        XsTransaction transaction = transaction(c, tx);
        transaction.touch(path, c.caller(), limits.transactionNodes());
        return transaction.working;
    }

    private XsTransaction transaction(XsConnection c, int tx) throws XsRefusal {
        XsTransaction transaction = c.transactions.get(tx);
        if (transaction == null) {
            throw new XsRefusal(XsError.ENOENT, "no transaction " + Integer.toUnsignedString(tx));
        }
        return transaction;
    }

    private void mutate(XsConnection c, int tx, String path, XsTransaction.Mutation mutation) throws XsRefusal {
        if (tx == XsWire.NO_TRANSACTION) {
            XsTree.Change change = mutation.apply(live, c.caller(), ++generation);
            if (change != null) {
                fire(change);
            }
            return;
        }
        XsTransaction transaction = transaction(c, tx);
        transaction.touch(path, c.caller(), limits.transactionNodes());
        if (!path.equals("/")) {
            transaction.touch(XsPaths.parent(path), c.caller(), limits.transactionNodes());
        }
        boolean existed = transaction.working.exists(path);
        mutation.apply(transaction.working, c.caller(), generation);
        if (!existed && transaction.working.exists(path)) {
            transaction.nodeCreated = true;
        }
        transaction.mutations.add(mutation);
    }

    private byte[] startTransaction(XsConnection c, int tx) throws XsRefusal {
        if (tx != XsWire.NO_TRANSACTION) {
            throw new XsRefusal(XsError.EBUSY, "TRANSACTION_START inside a transaction");
        }
        // C xenstored checks "started > quota" before starting one: quota + 1 may be open.
        if (c.caller().quotaBound() && c.transactions.size() > limits.transactionsPerConnection()) {
            throw new XsRefusal(XsError.ENOSPC, c.transactions.size() + " transactions open; the quota is "
                    + limits.transactionsPerConnection());
        }
        int id;
        do {
            id = c.nextTransactionId++;
        } while (id == XsWire.NO_TRANSACTION || c.transactions.containsKey(id));
        c.transactions.put(id, new XsTransaction(id, live, domid -> live.nodesOwnedBy(domid)));
        return (Integer.toUnsignedString(id) + "\0").getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] endTransaction(XsConnection c, int tx, String verdict) throws XsRefusal {
        if (!verdict.equals("T") && !verdict.equals("F")) {
            throw new XsRefusal(XsError.EINVAL, "TRANSACTION_END takes T or F, not '" + verdict + "'");
        }
        XsTransaction transaction = transaction(c, tx);
        c.transactions.remove(tx);
        if (verdict.equals("F")) {
            return ok();
        }
        if (!transaction.unchangedIn(live)) {
            throw new XsRefusal(XsError.EAGAIN, "a node the transaction used changed meanwhile");
        }
        XsTree candidate = live.copy();
        List<XsTree.Change> changes = new ArrayList<>();
        XsTree.Caller replay = c.caller().replaying();
        for (XsTransaction.Mutation mutation : transaction.mutations) {
            XsTree.Change change = mutation.apply(candidate, replay, ++generation);
            if (change != null) {
                changes.add(change);
            }
        }
        if (transaction.nodeCreated && c.caller().quotaBound()) {
            checkNodeQuotaAtCommit(candidate);
        }
        live = candidate;
        changes.forEach(this::fire);
        return ok();
    }

    /**
     * C xenstored's commit check (transaction_fix_domains): every unprivileged
     * domain whose node count the transaction changed must end below the quota.
     * Note the "below": outside a transaction a domain may reach the quota.
     */
    private void checkNodeQuotaAtCommit(XsTree candidate) throws XsRefusal {
        java.util.Set<Integer> owners = new java.util.HashSet<>(candidate.owners());
        owners.addAll(live.owners());
        for (int domid : owners) {
            int after = candidate.nodesOwnedBy(domid);
            if (domid != 0 && after != live.nodesOwnedBy(domid) && after >= limits.nodesPerDomain()) {
                throw new XsRefusal(XsError.ENOSPC, "the commit would leave domain " + domid + " owning " + after
                        + " nodes; the quota is " + limits.nodesPerDomain());
            }
        }
    }

    private byte[] directoryPart(XsConnection c, int tx, List<String> args) throws XsRefusal {
        String path = path(c, args.get(0));
        int offset;
        try {
            offset = Integer.parseInt(args.get(1));
        } catch (NumberFormatException e) {
            throw new XsRefusal(XsError.EINVAL, "offset '" + args.get(1) + "' is not a number");
        }
        XsTree tree = tree(c, tx, path);
        byte[] all = joined(tree.directory(path, c.caller()));
        if (offset < 0 || offset > all.length) {
            throw new XsRefusal(XsError.EINVAL, "offset " + offset + " outside the " + all.length + " bytes of names");
        }
        byte[] head = (tree.directoryGeneration(path, c.caller()) + "\0").getBytes(StandardCharsets.US_ASCII);
        int room = XsWire.PAYLOAD_MAX - head.length - 1;
        int end = all.length;
        boolean complete = end - offset <= room;
        if (!complete) {
            end = offset + room;
            while (end > offset && all[end - 1] != 0) {
                end--;
            }
        }
        byte[] reply = new byte[head.length + (end - offset) + (complete ? 1 : 0)];
        System.arraycopy(head, 0, reply, 0, head.length);
        System.arraycopy(all, offset, reply, head.length, end - offset);
        return reply;
    }

    private byte[] watch(XsConnection c, List<String> args) throws XsRefusal {
        String given = args.get(0);
        String token = args.get(1);
        if (given.startsWith("@") && given.length() > XsWire.REL_PATH_MAX) {
            throw new XsRefusal(XsError.EINVAL, "special watch name longer than " + XsWire.REL_PATH_MAX);
        }
        String absolute = given.startsWith("@") ? given : path(c, given);
        for (Watch existing : c.watches) {
            if (existing.absolutePath().equals(absolute) && existing.token().equals(token)) {
                throw new XsRefusal(XsError.EEXIST, "watch on " + given + " with this token exists");
            }
        }
        // Per domain, over all its connections; C checks "count > quota" before adding: quota + 1 fit.
        int domainWatches = watchesOf(c.domid());
        if (c.caller().quotaBound() && domainWatches > limits.watchesPerDomain()) {
            throw new XsRefusal(XsError.E2BIG, "domain " + c.domid() + " has " + domainWatches
                    + " watches; the quota is " + limits.watchesPerDomain());
        }
        c.watches.add(new Watch(c, given, absolute, token));
        return ok();
    }

    private byte[] unwatch(XsConnection c, List<String> args) throws XsRefusal {
        String absolute = args.get(0).startsWith("@") ? args.get(0) : path(c, args.get(0));
        boolean removed = c.watches.removeIf(w -> w.absolutePath().equals(absolute) && w.token().equals(args.get(1)));
        if (!removed) {
            throw new XsRefusal(XsError.ENOENT, "no watch on " + args.get(0) + " with this token");
        }
        return ok();
    }

    private byte[] control(XsConnection c, List<String> args) throws XsRefusal {
        if (!c.privileged()) {
            throw new XsRefusal(XsError.EACCES, "CONTROL is for dom0");
        }
        String command = args.isEmpty() ? "" : args.get(0);
        switch (command) {
            case "check":
                live.paths();
                return ok();
            case "help":
                return "check\nhelp\nquota [<domid>]\n\0".getBytes(StandardCharsets.US_ASCII);
            case "quota":
                return quota(args.subList(1, args.size()));
            default:
                throw new XsRefusal(XsError.EINVAL, "unknown control command '" + command + "'");
        }
    }

    private int watchesOf(int domid) {
        return connections.stream().filter(other -> other.domid() == domid).mapToInt(other -> other.watches.size())
                .sum();
    }

    /** "quota" as C xenstored's control command prints it: the settings, or one domain's accounting. */
    private byte[] quota(List<String> args) throws XsRefusal {
        StringBuilder text = new StringBuilder();
        if (args.isEmpty()) {
            text.append("Quota settings:\n");
            quotaLine(text, "nodes", limits.nodesPerDomain(), "Nodes per domain");
            quotaLine(text, "watches", limits.watchesPerDomain(), "Watches per domain");
            quotaLine(text, "transactions", limits.transactionsPerConnection(), "Transactions per domain");
            quotaLine(text, "outstanding", XsLimits.OUTSTANDING_REQUESTS, "Outstanding requests per domain");
            quotaLine(text, "transaction-nodes", limits.transactionNodes(),
                    "Max. number of accessed nodes per transaction");
            quotaLine(text, "memory", XsLimits.MEMORY_PER_DOMAIN, "Total Xenstore memory per domain (error level)");
            quotaLine(text, "node-size", limits.nodeSize(), "Max. size of a node");
            quotaLine(text, "path-max", limits.pathMax(), "Max. length of a node path");
            quotaLine(text, "permissions", limits.permissionsPerNode(), "Max. number of permissions per node");
        } else if (args.size() == 1) {
            int domid = domidArgument(args.get(0));
            if (domid != 0 && !introduced.contains(domid) && live.nodesOwnedBy(domid) == 0
                    && connections.stream().noneMatch(other -> other.domid() == domid)) {
                throw new XsRefusal(XsError.ENOENT, "no domain " + domid);
            }
            int transactions = connections.stream().filter(other -> other.domid() == domid)
                    .mapToInt(other -> other.transactions.size()).sum();
            text.append("Domain ").append(domid).append(":\n");
            text.append(String.format("%-16s: %8d\n", "nodes", live.nodesOwnedBy(domid)));
            text.append(String.format("%-16s: %8d\n", "watches", watchesOf(domid)));
            text.append(String.format("%-16s: %8d\n", "transactions", transactions));
        } else {
            throw new XsRefusal(XsError.EINVAL, "quota takes nothing or a domid");
        }
        return (text + "\0").getBytes(StandardCharsets.US_ASCII);
    }

    private static void quotaLine(StringBuilder text, String name, int value, String description) {
        text.append(String.format("%-17s: %8d %s\n", name, value, description));
    }

    private void fire(XsTree.Change change) {
        for (XsConnection connection : connections) {
            for (Watch watch : connection.watches) {
                if (watch.absolutePath().startsWith("@")) {
                    continue;
                }
                boolean readable = connection.privileged() || change.perms().canRead(connection.domid());
                if (!readable) {
                    continue;
                }
                if (XsPaths.isAtOrUnder(change.path(), watch.absolutePath())) {
                    sendEvent(watch, watch.relative() ? XsPaths.relativeTo(change.path(), connection.domid())
                            : change.path());
                } else if (change.removal() && XsPaths.isAtOrUnder(watch.absolutePath(), change.path())) {
                    sendEvent(watch, watch.givenPath());
                }
            }
        }
    }

    private void fireSpecial(String special) {
        for (XsConnection connection : connections) {
            if (!connection.privileged()) {
                continue;
            }
            for (Watch watch : connection.watches) {
                if (watch.absolutePath().equals(special)) {
                    sendEvent(watch, special);
                }
            }
        }
    }

    private static void sendEvent(Watch watch, String path) {
        watch.owner().send(XsMessage.of(XsMessageType.WATCH_EVENT.code(), 0, 0, path + "\0" + watch.token() + "\0"));
    }

    // --- in-process access for the simulated dom0 (toolstack, netback) ---

    /** Reads a node as dom0, or null when it does not exist. */
    public synchronized String read(String path) {
        try {
            return new String(live.read(XsPaths.absolute(path, 0), new XsTree.Caller(0, true)),
                    StandardCharsets.UTF_8);
        } catch (XsRefusal e) {
            if (e.error() == XsError.ENOENT) {
                return null;
            }
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Writes a node as dom0, creating it; then sets its permissions when some are given. */
    public synchronized void write(String path, String value, String... perms) {
        XsTree.Caller dom0 = new XsTree.Caller(0, true);
        try {
            String absolute = XsPaths.absolute(path, 0);
            fire(live.write(absolute, value.getBytes(StandardCharsets.UTF_8), dom0, ++generation));
            if (perms.length > 0) {
                fire(live.setPerms(absolute, NodePerms.parse(List.of(perms)), dom0, ++generation));
            }
        } catch (XsRefusal e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Removes a node and its subtree as dom0; nothing happens when it is absent. */
    public synchronized void remove(String path) {
        try {
            String absolute = XsPaths.absolute(path, 0);
            if (live.exists(absolute)) {
                fire(live.rm(absolute, new XsTree.Caller(0, true), ++generation));
            }
        } catch (XsRefusal e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The children of a node as dom0 sees them, empty when it does not exist. */
    public synchronized List<String> directory(String path) {
        try {
            String absolute = XsPaths.absolute(path, 0);
            return live.exists(absolute) ? live.directory(absolute, new XsTree.Caller(0, true)) : List.of();
        } catch (XsRefusal e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Nodes owned by a domain (counted against its quota). */
    public synchronized int nodesOwnedBy(int domid) {
        return live.nodesOwnedBy(domid);
    }
}
