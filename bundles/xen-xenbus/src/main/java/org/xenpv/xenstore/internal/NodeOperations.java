package org.xenpv.xenstore.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.xenpv.abi.xs.XsError;
import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.xenstore.Permission;
import org.xenpv.xenstore.XenStoreException;
import org.xenpv.xenstore.XenStoreOperations;

/** The node operations over a connection, outside a transaction (id 0) or inside one. */
class NodeOperations implements XenStoreOperations {
    /** Gives up on a directory that keeps changing while it is read in parts. */
    private static final int DIRECTORY_PART_ATTEMPTS = 8;
    /**
     * The most names a listing may have. A single XS_DIRECTORY reply is bounded
     * by the payload limit, but a directory read in parts is not: a server could
     * keep answering with more names. C xenstored's quotas keep a guest's own
     * directories far smaller (a 2048-byte node record holds its child names);
     * dom0 may make bigger ones, and /local/domain has one entry per domain.
     */
    static final int MAX_DIRECTORY_ENTRIES = 65_536;

    final XsClientConnection connection;
    final int transactionId;

    NodeOperations(XsClientConnection connection, int transactionId) {
        this.connection = connection;
        this.transactionId = transactionId;
    }

    static byte[] strings(String... strings) {
        StringBuilder payload = new StringBuilder();
        for (String s : strings) {
            payload.append(s).append('\0');
        }
        return payload.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String checkPath(String path, String operation) throws XenStoreException {
        if (path == null || path.isEmpty() || path.indexOf('\0') >= 0) {
            throw new XenStoreException(XsError.EINVAL, operation, path, "a path is non-empty and has no NUL");
        }
        return path;
    }

    XsReply call(XsMessageType type, String path, byte[] payload) throws XenStoreException {
        return connection.call(type, transactionId, payload, path);
    }

    @Override
    public String read(String path) throws XenStoreException {
        return new String(readBytes(path), StandardCharsets.UTF_8);
    }

    @Override
    public Optional<String> readIfExists(String path) throws XenStoreException {
        try {
            return Optional.of(read(path));
        } catch (XenStoreException e) {
            if (e.error() == XsError.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public byte[] readBytes(String path) throws XenStoreException {
        return call(XsMessageType.READ, path, strings(checkPath(path, "XS_READ"))).payload();
    }

    @Override
    public void write(String path, String value) throws XenStoreException {
        write(path, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void write(String path, byte[] value) throws XenStoreException {
        byte[] head = strings(checkPath(path, "XS_WRITE"));
        byte[] payload = new byte[head.length + value.length];
        System.arraycopy(head, 0, payload, 0, head.length);
        System.arraycopy(value, 0, payload, head.length, value.length);
        call(XsMessageType.WRITE, path, payload);
    }

    @Override
    public void mkdir(String path) throws XenStoreException {
        call(XsMessageType.MKDIR, path, strings(checkPath(path, "XS_MKDIR")));
    }

    @Override
    public void remove(String path) throws XenStoreException {
        call(XsMessageType.RM, path, strings(checkPath(path, "XS_RM")));
    }

    @Override
    public List<String> directory(String path) throws XenStoreException {
        checkPath(path, "XS_DIRECTORY");
        try {
            return names(call(XsMessageType.DIRECTORY, path, strings(path)).strings());
        } catch (XenStoreException e) {
            if (e.error() != XsError.E2BIG) {
                throw e;
            }
        }
        return directoryInParts(path);
    }

    /** XS_DIRECTORY_PART: the names from a byte offset on, with the node's generation to detect changes. */
    private List<String> directoryInParts(String path) throws XenStoreException {
        for (int attempt = 0; attempt < DIRECTORY_PART_ATTEMPTS; attempt++) {
            List<String> names = new ArrayList<>();
            String generation = null;
            int offset = 0;
            boolean changed = false;
            while (true) {
                List<String> part = call(XsMessageType.DIRECTORY_PART, path,
                        strings(path, Integer.toString(offset))).strings();
                if (part.isEmpty()) {
                    throw new XenStoreException(XsError.EIO, "XS_DIRECTORY_PART", path, "reply without a generation");
                }
                if (generation != null && !generation.equals(part.get(0))) {
                    changed = true;
                    break;
                }
                generation = part.get(0);
                List<String> chunk = part.subList(1, part.size());
                int end = chunk.indexOf("");
                List<String> chunkNames = end >= 0 ? chunk.subList(0, end) : chunk;
                names.addAll(chunkNames);
                if (names.size() > MAX_DIRECTORY_ENTRIES) {
                    throw new XenStoreException(XsError.E2BIG, "XS_DIRECTORY_PART", path, "more than "
                            + MAX_DIRECTORY_ENTRIES + " entries; refused");
                }
                if (end >= 0) {
                    return names;
                }
                if (chunkNames.isEmpty()) {
                    throw new XenStoreException(XsError.EIO, "XS_DIRECTORY_PART", path, "a part without names");
                }
                for (String name : chunkNames) {
                    offset += name.getBytes(StandardCharsets.UTF_8).length + 1;
                }
            }
            if (!changed) {
                break;
            }
        }
        throw new XenStoreException(XsError.EAGAIN, "XS_DIRECTORY_PART", path,
                "the directory kept changing while it was read");
    }

    private static List<String> names(List<String> strings) {
        List<String> names = new ArrayList<>(strings);
        names.removeIf(String::isEmpty);
        return names;
    }

    @Override
    public boolean exists(String path) throws XenStoreException {
        return readIfExists(path).isPresent();
    }

    @Override
    public List<Permission> permissions(String path) throws XenStoreException {
        List<Permission> permissions = new ArrayList<>();
        for (String text : names(call(XsMessageType.GET_PERMS, path, strings(checkPath(path, "XS_GET_PERMS")))
                .strings())) {
            try {
                permissions.add(Permission.parse(text));
            } catch (IllegalArgumentException e) {
                throw new XenStoreException(XsError.EIO, "XS_GET_PERMS", path, "malformed reply: " + e.getMessage());
            }
        }
        return permissions;
    }

    @Override
    public void setPermissions(String path, List<Permission> permissions) throws XenStoreException {
        if (permissions.isEmpty()) {
            throw new XenStoreException(XsError.EINVAL, "XS_SET_PERMS", path, "at least the owner entry is needed");
        }
        List<String> args = new ArrayList<>();
        args.add(checkPath(path, "XS_SET_PERMS"));
        permissions.forEach(p -> args.add(p.toString()));
        call(XsMessageType.SET_PERMS, path, strings(args.toArray(String[]::new)));
    }
}
