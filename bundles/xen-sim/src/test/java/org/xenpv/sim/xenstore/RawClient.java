package org.xenpv.sim.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.abi.xs.XsWire;
import org.xenpv.platform.spi.PortException;

/**
 * A bare xs_wire client on a guest channel, for server tests: the in-process
 * channel answers while the request is written, so every read here finds its
 * message already queued and never waits.
 */
final class RawClient implements AutoCloseable {
    final GuestXenbusChannel channel;
    private final List<String> events = new ArrayList<>();
    private int nextRequestId = 1;

    RawClient(XenStoreServer server, int domid) {
        this.channel = new GuestXenbusChannel(server, domid);
    }

    /** Sends a request and returns its reply; watch events that arrive before it are kept. */
    XsMessage request(XsMessageType type, int tx, String payload) throws PortException {
        int requestId = nextRequestId++;
        sendRaw(new XsMessage(type.code(), requestId, tx, payload.getBytes(StandardCharsets.UTF_8)).encode());
        XsMessage reply = next();
        while (reply.type() == XsMessageType.WATCH_EVENT.code()) {
            events.add(text(reply));
            reply = next();
        }
        assertEquals(requestId, reply.requestId(), "reply matches the request");
        return reply;
    }

    void sendRaw(ByteBuffer bytes) throws PortException {
        channel.write(bytes);
    }

    XsMessage next() throws PortException {
        assertTrue(channel.queuedMessages() > 0, "the server answered at once");
        ByteBuffer header = ByteBuffer.allocate(XsWire.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        while (header.hasRemaining()) {
            channel.read(header);
        }
        ByteBuffer payload = ByteBuffer.allocate(header.getInt(XsWire.LEN_OFFSET));
        while (payload.hasRemaining()) {
            channel.read(payload);
        }
        return new XsMessage(header.getInt(XsWire.TYPE_OFFSET), header.getInt(XsWire.REQ_ID_OFFSET),
                header.getInt(XsWire.TX_ID_OFFSET), payload.array());
    }

    /** The reply's payload, or "ERROR:<name>" for an error reply, NULs shown as '|'. */
    static String text(XsMessage reply) {
        String payload = new String(reply.payload(), StandardCharsets.UTF_8).replace('\0', '|');
        return reply.type() == XsMessageType.ERROR.code() ? "ERROR:" + payload.replace("|", "") : payload;
    }

    String call(XsMessageType type, String payload) throws PortException {
        return text(request(type, 0, payload));
    }

    String callIn(int tx, XsMessageType type, String payload) throws PortException {
        return text(request(type, tx, payload));
    }

    /** Watch events received so far (as "path|token|"), then forgotten; drains the queued ones too. */
    List<String> takeEvents() throws PortException {
        while (channel.queuedMessages() > 0) {
            XsMessage message = next();
            assertEquals(XsMessageType.WATCH_EVENT.code(), message.type(), "only events arrive unasked");
            events.add(text(message));
        }
        List<String> taken = List.copyOf(events);
        events.clear();
        return taken;
    }

    @Override
    public void close() {
        channel.close();
    }
}
