package org.xenpv.xenstore.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 * replies from watch events, which run on a separate watch thread. Everything
 * the other end sends is untrusted and checked before it is used:
 * <ul>
 * <li>a reply must have its request's type (or be XS_ERROR); another type
 * fails that request with EIO and is counted;</li>
 * <li>a message over XENSTORE_PAYLOAD_MAX is skipped (the stream stays in
 * step), failing its request with E2BIG;</li>
 * <li>watch events are coalesced per watch, so that another domain writing
 * watched nodes as fast as it can does not grow the heap: each watch has at
 * most one delivery queued on the watch thread and at most
 * {@link #MAX_PENDING_EVENT_PATHS} distinct paths waiting; a path already
 * waiting is not queued twice (coalesced), and past the cap the waiting paths
 * are replaced by the watched path itself (dropped). Listeners re-read what
 * they watch, so they still see the latest state;</li>
 * <li>what is malformed is logged at a bounded rate and counted;</li>
 * <li>a dropped connection is logged once, as an error, with its cause; the
 * requests waiting and every later one fail with EIO naming it.</li>
 * </ul>
 */
final class XsClientConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(XsClientConnection.class);

    /** Distinct event paths one watch may have waiting for its listener. */
    static final int MAX_PENDING_EVENT_PATHS = 32;

    /** A watch event's receiver, found by the watch's token. */
    interface EventSink {
        void deliver(String path);

        /** The path as watched: delivered in place of events dropped past the cap. */
        String watchedPath();
    }

    /** What the connection has refused or folded since it was opened. */
    record Statistics(long mismatchedReplies, long malformedMessages, long coalescedEvents, long droppedEvents,
            Optional<String> failure) {
    }

    /** The request a reply is waited for by: its type, to check the reply's against, and the caller's future. */
    private record PendingRequest(XsMessageType type, CompletableFuture<XsReply> reply) {
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
    private final Map<Integer, PendingRequest> pending = new ConcurrentHashMap<>();
    private final Map<String, WatchEvents> watches = new ConcurrentHashMap<>();
    private final Object writeLock = new Object();
    private final Semaphore requestSlots;
    private final Thread reader;
    private final ExecutorService watchThread;
    private volatile XenStoreException failure;
    private volatile boolean closing;
    private final RateLimitedLog peerWarnings;
    private final AtomicLong mismatchedReplies = new AtomicLong();
    private final AtomicLong malformedMessages = new AtomicLong();
    private final AtomicLong coalescedEvents = new AtomicLong();
    private final AtomicLong droppedEvents = new AtomicLong();

    XsClientConnection(XenbusPort port, String name, long replyTimeoutMillis) {
        this(port, name, replyTimeoutMillis, new RateLimitedLog(LOG));
    }

    XsClientConnection(XenbusPort port, String name, long replyTimeoutMillis, RateLimitedLog peerWarnings) {
        this.peerWarnings = peerWarnings;
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
        pending.put(requestId, new PendingRequest(type, reply));
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
        watches.put(token, new WatchEvents(sink));
    }

    void removeWatch(String token) {
        watches.remove(token);
    }

    /** Runs {@code task} on the watch thread after the events already queued. */
    void onWatchThread(Runnable task) {
        try {
            watchThread.execute(task);
        } catch (RejectedExecutionException e) {
            // Closed: nothing is delivered any more.
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
                    if (!skip(length)) {
                        fail("the connection was closed inside an oversized message");
                        return;
                    }
                    refuseOversized(type, requestId, length);
                    continue;
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
        } catch (RuntimeException e) {
            // Never a silently dead reader: whatever broke it is reported like a lost connection.
            LOG.error("XenStore reader on the {} failed", name, e);
            fail("the reader failed: " + e);
        }
    }

    /** Reads and forgets {@code length} bytes, so that the next message is read from its start. */
    private boolean skip(long length) throws PortException {
        ByteBuffer scratch = ByteBuffer.allocate(XsWire.PAYLOAD_MAX);
        long left = length;
        while (left > 0) {
            scratch.clear().limit((int) Math.min(left, scratch.capacity()));
            if (!readFully(scratch)) {
                return false;
            }
            left -= scratch.limit();
        }
        return true;
    }

    private void refuseOversized(int type, int requestId, long length) {
        malformedMessages.incrementAndGet();
        String why = "XenStore sent a message of " + length + " bytes, over the " + XsWire.PAYLOAD_MAX
                + "-byte limit; skipped";
        PendingRequest request = type == XsMessageType.WATCH_EVENT.code() ? null : pending.get(requestId);
        if (request != null) {
            request.reply().completeExceptionally(new XenStoreException(XsError.E2BIG, "XS_" + request.type().name(),
                    null, why));
        }
        peerWarnings.warn("{}: {} (type {}, request {})", name, why, type, requestId);
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
            // A path and a token, each NUL-terminated (C xenstored sends exactly these two).
            if (strings.size() != 2 || payload.length == 0 || payload[payload.length - 1] != 0
                    || strings.get(0).isEmpty()) {
                malformedMessages.incrementAndGet();
                peerWarnings.warn("{}: ignoring a malformed watch event ({} fields, {} bytes)", name, strings.size(),
                        payload.length);
                return;
            }
            WatchEvents events = watches.get(strings.get(1));
            if (events != null) {
                events.offer(strings.get(0));
            }
            return;
        }
        PendingRequest request = pending.get(requestId);
        if (request == null) {
            malformedMessages.incrementAndGet();
            peerWarnings.warn("{}: ignoring a message of type {} for request {}, which nobody waits for", name, type,
                    requestId);
            return;
        }
        if (type == XsMessageType.ERROR.code()) {
            String errorName = message.text();
            XsError error = XsError.fromName(errorName);
            request.reply().completeExceptionally(new Refusal(error != null ? error : XsError.EIO,
                    error != null ? null : "XenStore answered an unknown error '" + errorName + "'"));
        } else if (type != request.type().code()) {
            mismatchedReplies.incrementAndGet();
            XsMessageType answered = XsMessageType.fromCode(Integer.toUnsignedLong(type));
            String why = "XenStore answered " + (answered != null ? "XS_" + answered.name() : "type " + type)
                    + " to XS_" + request.type().name() + " (request " + requestId + ")";
            peerWarnings.warn("{}: {}", name, why);
            request.reply().completeExceptionally(new Refusal(XsError.EIO, why));
        } else {
            request.reply().complete(message);
        }
    }

    private void fail(String why) {
        XenStoreException failed = new XenStoreException(XsError.EIO, "connection", null, name + ": " + why);
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = failed;
        }
        if (!closing) {
            LOG.error("XenStore connection over the {} lost: {}. Every request fails with EIO from now on and"
                    + " watches no longer fire; restart the bundle org.xenpv.xenbus once the cause is fixed.",
                    name, why);
        }
        pending.values().forEach(request -> request.reply().completeExceptionally(failed));
    }

    boolean isOpen() {
        return failure == null;
    }

    /** Why the connection failed, if it has. */
    Optional<String> failure() {
        XenStoreException failed = failure;
        return failed == null ? Optional.empty() : Optional.of(failed.getMessage());
    }

    Statistics statistics() {
        return new Statistics(mismatchedReplies.get(), malformedMessages.get(), coalescedEvents.get(),
                droppedEvents.get(), failure());
    }

    /**
     * The events waiting for one watch's listener. At most one delivery task
     * is queued on the watch thread for it; each task delivers one path and
     * queues itself again while more wait, so watches take turns.
     */
    private final class WatchEvents {
        private final EventSink sink;
        private final LinkedHashSet<String> paths = new LinkedHashSet<>();
        private boolean scheduled;
        /** The waiting paths were replaced by the watched path: later events are folded into it. */
        private boolean collapsed;

        WatchEvents(EventSink sink) {
            this.sink = sink;
        }

        void offer(String path) {
            synchronized (this) {
                if (collapsed || paths.contains(path)) {
                    coalescedEvents.incrementAndGet();
                    return;
                }
                if (paths.size() >= MAX_PENDING_EVENT_PATHS) {
                    droppedEvents.addAndGet(paths.size() + 1L);
                    paths.clear();
                    paths.add(sink.watchedPath());
                    collapsed = true;
                } else {
                    paths.add(path);
                }
                if (scheduled) {
                    return;
                }
                scheduled = true;
            }
            onWatchThread(this::deliverNext);
        }

        private void deliverNext() {
            String path;
            boolean more;
            synchronized (this) {
                Iterator<String> first = paths.iterator();
                if (!first.hasNext()) {
                    scheduled = false;
                    return;
                }
                path = first.next();
                first.remove();
                if (paths.isEmpty()) {
                    collapsed = false;
                }
                more = !paths.isEmpty();
                scheduled = more;
            }
            sink.deliver(path);
            if (more) {
                onWatchThread(this::deliverNext);
            }
        }

        synchronized int waiting() {
            return paths.size();
        }
    }

    /** Paths waiting for the watch with this token (for tests). */
    int waitingEvents(String token) {
        WatchEvents events = watches.get(token);
        return events == null ? 0 : events.waiting();
    }

    @Override
    public void close() {
        closing = true;
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
