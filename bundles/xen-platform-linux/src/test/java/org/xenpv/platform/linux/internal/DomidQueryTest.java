package org.xenpv.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;

/** The domid comes from XenStore, another domain: each way its reply can be wrong is refused. */
class DomidQueryTest {

    /** Records the request and answers with a scripted reply, a few bytes per read. */
    private static final class ScriptedXenbus implements XenbusPort {
        private final ByteBuffer reply;
        ByteBuffer request;

        ScriptedXenbus(ByteBuffer reply) {
            this.reply = reply;
        }

        @Override
        public void write(ByteBuffer message) {
            request = ByteBuffer.allocate(message.remaining()).order(ByteOrder.LITTLE_ENDIAN).put(message).flip();
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!reply.hasRemaining()) {
                return -1;
            }
            int n = Math.min(Math.min(3, dst.remaining()), reply.remaining());
            for (int i = 0; i < n; i++) {
                dst.put(reply.get());
            }
            return n;
        }

        @Override
        public void close() {
        }
    }

    private static ByteBuffer reply(int type, int requestId, String payload) {
        return reply(type, requestId, payload.length(), payload);
    }

    private static ByteBuffer reply(int type, int requestId, int length, String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer reply = ByteBuffer.allocate(16 + bytes.length).order(ByteOrder.LITTLE_ENDIAN);
        reply.putInt(type).putInt(requestId).putInt(0).putInt(length).put(bytes);
        return reply.flip();
    }

    private static int requestIdOf(ScriptedXenbus port) {
        return port.request.getInt(4);
    }

    @Test
    void readsTheRelativeDomidNode() throws PortException {
        ScriptedXenbus port = new ScriptedXenbus(reply(XsMessageType.READ.code(), 0x78656e, "7"));
        assertEquals(7, DomidQuery.readDomid(port, "xenbus"));
        assertEquals(XsMessageType.READ.code(), port.request.getInt(0));
        assertEquals(0, port.request.getInt(8), "outside any transaction");
        assertEquals(6, port.request.getInt(12));
        assertEquals("domid\0", StandardCharsets.US_ASCII.decode(port.request.position(16)).toString());
        assertEquals(0x78656e, requestIdOf(port));
    }

    @Test
    void anErrorReplyIsReportedWithItsErrno() {
        ScriptedXenbus port = new ScriptedXenbus(reply(XsMessageType.ERROR.code(), 0x78656e, "EACCES\0"));
        PortException e = assertThrows(PortException.class, () -> DomidQuery.readDomid(port, "xenbus"));
        assertEquals(Errno.EACCES.number(), e.errno());
        assertEquals("XS_READ domid", e.operation());
    }

    @Test
    void malformedRepliesAreRefused() {
        int read = XsMessageType.READ.code();
        ByteBuffer[] bad = {
            reply(read, 0x78656e, "seven"),
            reply(read, 0x78656e, "32752"),
            reply(read, 0x78656e, "-1"),
            reply(read, 1, "7"),
            reply(XsMessageType.WATCH_EVENT.code(), 0x78656e, "7"),
            reply(read, 0x78656e, 5000, "7"),
            reply(read, 0x78656e, 4, "7"),
        };
        for (ByteBuffer reply : bad) {
            PortException e = assertThrows(PortException.class,
                    () -> DomidQuery.readDomid(new ScriptedXenbus(reply), "xenbus"));
            assertEquals(Errno.EIO.number(), e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("xenbus"), e.getMessage());
        }
    }
}
