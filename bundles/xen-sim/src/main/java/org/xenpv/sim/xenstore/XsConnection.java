package org.xenpv.sim.xenstore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.xenpv.abi.xs.XsError;
import org.xenpv.abi.xs.XsWire;

/**
 * One client of the server: a guest's xenbus channel or a dom0 socket. Cuts
 * the byte stream it is fed into messages; what a client sends is untrusted,
 * so an oversized length is answered with E2BIG and its payload skipped, which
 * keeps the stream in step.
 */
public final class XsConnection {
    private final XenStoreServer server;
    private final int domid;
    private final MessageSink sink;
    private final ByteBuffer header = ByteBuffer.allocate(XsWire.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private ByteBuffer payload;
    private long toDiscard;
    private boolean closed;
    /** While not null, the replies to this client wait here (see {@link XenStoreServer#stopAnswering}). */
    private List<ByteBuffer> held;

    final List<XenStoreServer.Watch> watches = new ArrayList<>();
    final Map<Integer, XsTransaction> transactions = new LinkedHashMap<>();
    int nextTransactionId = 1;

    XsConnection(XenStoreServer server, int domid, MessageSink sink) {
        this.server = server;
        this.domid = domid;
        this.sink = sink;
    }

    public int domid() {
        return domid;
    }

    boolean privileged() {
        return domid == 0;
    }

    XsTree.Caller caller() {
        return new XsTree.Caller(domid, privileged());
    }

    void send(XsMessage message) {
        if (closed) {
            return;
        }
        if (held != null && message.type() != org.xenpv.abi.xs.XsMessageType.WATCH_EVENT.code()) {
            held.add(message.encode());
        } else {
            sink.send(message.encode());
        }
    }

    void hold() {
        if (held == null) {
            held = new ArrayList<>();
        }
    }

    /** Sends what was held, in order, and stops holding. */
    void release() {
        List<ByteBuffer> waiting = held;
        held = null;
        if (waiting != null && !closed) {
            waiting.forEach(sink::send);
        }
    }

    /** Feeds bytes the client sent; complete messages are handled at once, in order. */
    public void receive(ByteBuffer bytes) {
        while (bytes.hasRemaining() && !closed) {
            if (toDiscard > 0) {
                int skip = (int) Math.min(toDiscard, bytes.remaining());
                bytes.position(bytes.position() + skip);
                toDiscard -= skip;
                continue;
            }
            if (payload == null) {
                transfer(bytes, header);
                if (header.hasRemaining()) {
                    return;
                }
                long length = Integer.toUnsignedLong(header.getInt(XsWire.LEN_OFFSET));
                if (length > XsWire.PAYLOAD_MAX) {
                    send(XsMessage.of(org.xenpv.abi.xs.XsMessageType.ERROR.code(),
                            header.getInt(XsWire.REQ_ID_OFFSET), header.getInt(XsWire.TX_ID_OFFSET),
                            XsError.E2BIG.name() + "\0"));
                    server.countMalformed();
                    toDiscard = length;
                    header.clear();
                    continue;
                }
                payload = ByteBuffer.allocate((int) length);
            }
            transfer(bytes, payload);
            if (!payload.hasRemaining()) {
                XsMessage message = new XsMessage(header.getInt(XsWire.TYPE_OFFSET),
                        header.getInt(XsWire.REQ_ID_OFFSET), header.getInt(XsWire.TX_ID_OFFSET), payload.array());
                header.clear();
                payload = null;
                server.handle(this, message);
            }
        }
    }

    private static void transfer(ByteBuffer from, ByteBuffer to) {
        int n = Math.min(from.remaining(), to.remaining());
        ByteBuffer slice = from.slice().limit(n);
        to.put(slice);
        from.position(from.position() + n);
    }

    /** The client went away: its watches and transactions end with it. */
    public void close() {
        server.disconnect(this);
    }

    void markClosed() {
        if (!closed) {
            closed = true;
            sink.close();
        }
    }

    boolean isClosed() {
        return closed;
    }
}
