package org.xenpv.xenstore.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.abi.xs.XsWire;
import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;

/**
 * A XenStore the test scripts: each request goes to a {@link Responder},
 * which answers with whatever bytes it likes (wrong types, wrong ids,
 * oversized lengths); {@link #inject} sends bytes unasked, as a flood of
 * watch events would come. Bytes are read back in the order they were queued.
 */
final class HostileXenStore implements XenbusPort {

    /** One request as the client sent it. */
    record Request(XsMessageType type, int requestId, int transactionId, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    interface Responder {
        List<ByteBuffer> answer(Request request);
    }

    private final Responder responder;
    private final Deque<ByteBuffer> inbound = new ArrayDeque<>();
    private boolean closed;

    HostileXenStore(Responder responder) {
        this.responder = responder;
    }

    /** A message with any header values. */
    static ByteBuffer message(int type, int requestId, int length, byte[] payload) {
        ByteBuffer buffer = ByteBuffer.allocate(XsWire.HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(type).putInt(requestId).putInt(0).putInt(length).put(payload);
        return buffer.flip();
    }

    static ByteBuffer message(XsMessageType type, int requestId, String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return message(type.code(), requestId, bytes.length, bytes);
    }

    /** The reply C xenstored would send: the request's type and id. */
    static ByteBuffer reply(Request request, String payload) {
        return message(request.type(), request.requestId(), payload);
    }

    static ByteBuffer error(Request request, String errorName) {
        return message(XsMessageType.ERROR, request.requestId(), errorName + "\0");
    }

    static ByteBuffer watchEvent(String path, String token) {
        return message(XsMessageType.WATCH_EVENT, 0, path + "\0" + token + "\0");
    }

    @Override
    public void write(ByteBuffer message) throws PortException {
        ByteBuffer request = message.slice().order(ByteOrder.LITTLE_ENDIAN);
        byte[] payload = new byte[request.getInt(XsWire.LEN_OFFSET)];
        request.position(XsWire.HEADER_SIZE);
        request.get(payload);
        XsMessageType type = XsMessageType.fromCode(request.getInt(XsWire.TYPE_OFFSET));
        synchronized (this) {
            if (closed) {
                throw new PortException("hostile", "write", Errno.ENOTCONN, "closed");
            }
            // Answered under the lock: once the responder has seen a request, it was sent.
            inbound.addAll(responder.answer(new Request(type, request.getInt(XsWire.REQ_ID_OFFSET),
                    request.getInt(XsWire.TX_ID_OFFSET), payload)));
            notifyAll();
        }
    }

    synchronized void inject(ByteBuffer bytes) {
        inbound.add(bytes);
        notifyAll();
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws PortException {
        while (inbound.isEmpty() && !closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PortException("hostile", "read", Errno.EINTR, "interrupted");
            }
        }
        if (inbound.isEmpty()) {
            return -1;
        }
        ByteBuffer head = inbound.peek();
        int n = Math.min(head.remaining(), dst.remaining());
        dst.put(head.slice().limit(n));
        head.position(head.position() + n);
        if (!head.hasRemaining()) {
            inbound.poll();
        }
        return n;
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
