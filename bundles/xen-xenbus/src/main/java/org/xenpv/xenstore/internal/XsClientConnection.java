package org.xenpv.xenstore.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.xs.XsError;
import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.abi.xs.XsWire;
import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;
import org.xenpv.xenstore.XenStoreException;

/**
 * One xs_wire connection shared by every caller: requests carry their own
 * request id and wait for the reply with that id; a reader thread sorts
 * replies from watch events, which run on a separate watch thread in arrival
 * order. Everything the other end sends is checked before it is used.
 */
public final class XsClientConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(XsClientConnection.class);

    /** A watch event's receiver, found by the watch's token. */
    interface EventSink {
        void deliver(String path);
    }

    /** An XS_ERROR reply, handed from the reader to the waiting caller. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final transient XsError error;
        final String detail;

        Refusal(XsError error, String detail) {
            super(error.name(), null, false, false);
            this.error = error;
            this.detail = detail;
        }
    }

    private final XenbusPort port;
    private final String name;
    private final long replyTimeoutMillis;
    private final AtomicInteger requestIds = new AtomicInteger();
    private final AtomicInteger tokens = new AtomicInteger();
    private final Map<Integer, CompletableFuture<XsReply>> pending = new ConcurrentHashMap<>();
    private final Map<String, EventSink> watches = new ConcurrentHashMap<>();
    private final Object writeLock = new Object();
    private final Semaphore requestSlots;
    private final Thread reader;
    private final ExecutorService watchThread;
    private volatile XenStoreException failure;

    public XsClientConnection(XenbusPort port, String name, long replyTimeoutMillis) {
        this.port = port;
        this.name = name;
        this.replyTimeoutMillis = replyTimeoutMillis;
        this.requestSlots = new Semaphore(port.maxRequestsInFlight(), true);
        this.watchThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "xenpv-xenstore-watch"));
        this.reader = new Thread(this::readLoop, "xenpv-xenstore-reader");
        reader.setDaemon(true);
        reader.start();
    }

    String name() {
        return name;
    }

    /** Requests sent since the connection opened. */
    long requestsSent() {
        return Integer.toUnsignedLong(requestIds.get());
    }

    /** Requests waiting for their reply now. */
    int requestsPending() {
        return pending.size();
    }

    /** Watches registered now, by every user of the connection. */
    int watchesRegistered() {
        return watches.size();
    }

    /** Why the connection failed; null while it works. */
    String failure() {
        XenStoreException failed = failure;
        return failed == null ? null : failed.getMessage();
    }

    /**
     * Sends a request and waits for its reply.
     *
     * @throws XenStoreException the error XenStore answered; E2BIG before sending a payload over 4096
     *     bytes; EIO when the connection fails or no reply comes in time
     */
    XsReply call(XsMessageType type, int transactionId, byte[] payload, String path) throws XenStoreException {
        String operation = "XS_" + type.name();
        if (payload.length > XsWire.PAYLOAD_MAX) {
            throw new XenStoreException(XsError.E2BIG, operation, path,
                    payload.length + " bytes exceed the " + XsWire.PAYLOAD_MAX + "-byte payload limit; not sent");
        }
        try {
            if (!requestSlots.tryAcquire(replyTimeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new XenStoreException(XsError.EIO, operation, path, "no reply within " + replyTimeoutMillis
                        + " ms to the requests ahead of this one on " + name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new XenStoreException(XsError.EIO, operation, path, "interrupted while waiting to send");
        }
        int requestId = requestIds.incrementAndGet();
        CompletableFuture<XsReply> reply = new CompletableFuture<>();
        pending.put(requestId, reply);
        try {
            XenStoreException failed = failure;
            if (failed != null) {
                throw new XenStoreException(XsError.EIO, operation, path, "connection failed: " + failed.getMessage());
            }
            ByteBuffer message = ByteBuffer.allocate(XsWire.HEADER_SIZE + payload.length)
                    .order(ByteOrder.LITTLE_ENDIAN);
            message.putInt(type.code()).putInt(requestId).putInt(transactionId).putInt(payload.length).put(payload)
                    .flip();
            synchronized (writeLock) {
                port.write(message);
            }
            return reply.get(replyTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (PortException e) {
            throw new XenStoreException(XsError.EIO, operation, path, e.getMessage(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Refusal refused) {
                throw new XenStoreException(refused.error, operation, path, refused.detail);
            }
            if (e.getCause() instanceof XenStoreException failed) {
                throw new XenStoreException(failed.error(), operation, path, failed.getMessage(), failed);
            }
            throw new XenStoreException(XsError.EIO, operation, path, String.valueOf(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new XenStoreException(XsError.EIO, operation, path,
                    "no reply within " + replyTimeoutMillis + " ms on " + name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new XenStoreException(XsError.EIO, operation, path, "interrupted while waiting for the reply");
        } finally {
            pending.remove(requestId);
            requestSlots.release();
        }
    }

    /** A token no other watch of this connection uses. */
    String newToken() {
        return "xenpv-" + tokens.incrementAndGet();
    }

    void addWatch(String token, EventSink sink) {
        watches.put(token, sink);
    }

    void removeWatch(String token) {
        watches.remove(token);
    }

    /** Runs {@code task} on the watch thread after the events already queued. */
    void onWatchThread(Runnable task) {
        if (!watchThread.isShutdown()) {
            watchThread.execute(task);
        }
    }

    boolean isWatchThread() {
        return Thread.currentThread().getName().equals("xenpv-xenstore-watch");
    }

    private void readLoop() {
        ByteBuffer header = ByteBuffer.allocate(XsWire.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (true) {
                if (!readFully(header.clear())) {
                    fail("the connection was closed");
                    return;
                }
                int type = header.getInt(XsWire.TYPE_OFFSET);
                int requestId = header.getInt(XsWire.REQ_ID_OFFSET);
                long length = Integer.toUnsignedLong(header.getInt(XsWire.LEN_OFFSET));
                if (length > XsWire.PAYLOAD_MAX) {
                    fail("XenStore sent a message of " + length + " bytes, over the " + XsWire.PAYLOAD_MAX + " limit");
                    return;
                }
                ByteBuffer payload = ByteBuffer.allocate((int) length);
                if (!readFully(payload)) {
                    fail("the connection was closed inside a message");
                    return;
                }
                dispatch(type, requestId, payload.array());
            }
        } catch (PortException e) {
            fail(e.getMessage());
        }
    }

    private boolean readFully(ByteBuffer buffer) throws PortException {
        while (buffer.hasRemaining()) {
            if (port.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }

    private void dispatch(int type, int requestId, byte[] payload) {
        XsReply message = new XsReply(payload);
        if (type == XsMessageType.WATCH_EVENT.code()) {
            List<String> strings = message.strings();
            if (strings.size() < 2) {
                LOG.warn("{}: ignoring a malformed watch event ({} fields)", name, strings.size());
                return;
            }
            EventSink sink = watches.get(strings.get(1));
            if (sink != null) {
                String path = strings.get(0);
                onWatchThread(() -> sink.deliver(path));
            }
            return;
        }
        CompletableFuture<XsReply> reply = pending.get(requestId);
        if (reply == null) {
            LOG.warn("{}: ignoring a reply to request {}, which nobody waits for", name, requestId);
            return;
        }
        if (type == XsMessageType.ERROR.code()) {
            String errorName = message.text();
            XsError error = XsError.fromName(errorName);
            reply.completeExceptionally(new Refusal(error != null ? error : XsError.EIO,
                    error != null ? null : "XenStore answered an unknown error '" + errorName + "'"));
        } else {
            reply.complete(message);
        }
    }

    private void fail(String why) {
        XenStoreException failed = new XenStoreException(XsError.EIO, "connection", null, name + ": " + why);
        failure = failed;
        pending.values().forEach(reply -> reply.completeExceptionally(failed));
    }

    boolean isOpen() {
        return failure == null;
    }

    @Override
    public void close() {
        port.close();
        try {
            reader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        fail("closed");
        watchThread.shutdown();
        if (!isWatchThread()) {
            try {
                watchThread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
