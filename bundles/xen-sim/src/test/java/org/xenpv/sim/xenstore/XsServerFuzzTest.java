package org.xenpv.sim.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.abi.xs.XsWire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The simulated server decoding what a guest sends: any byte stream. Plain
 * {@code mvn test} replays the seeds in XsServerFuzzTestInputs/; with
 * JAZZER_FUZZ=1 Jazzer fuzzes. Whatever arrives, the server answers every
 * complete message exactly once (so it stays in step with the stream),
 * keeps the guest within its quotas, and forgets the guest's watches and
 * transactions when it goes.
 */
class XsServerFuzzTest {

    /** Collects what the server sends, as it would reach the guest. */
    private static final class Recorder implements MessageSink {
        final List<ByteBuffer> messages = new ArrayList<>();

        @Override
        public void send(ByteBuffer message) {
            messages.add(message);
        }

        @Override
        public void close() {
        }
    }

    /** How many messages the stream holds in full: each gets one reply, oversized ones included. */
    private static int completeMessages(byte[] stream) {
        ByteBuffer buffer = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
        int messages = 0;
        int position = 0;
        while (stream.length - position >= XsWire.HEADER_SIZE) {
            long length = Integer.toUnsignedLong(buffer.getInt(position + XsWire.LEN_OFFSET));
            if (length > XsWire.PAYLOAD_MAX) {
                messages++; // refused on its header, before its bytes arrive
                position += XsWire.HEADER_SIZE;
                if (stream.length - position < length) {
                    break;
                }
                position += (int) length;
                continue;
            }
            if (stream.length - position - XsWire.HEADER_SIZE < length) {
                break;
            }
            position += XsWire.HEADER_SIZE + (int) length;
            messages++;
        }
        return messages;
    }

    @FuzzTest(maxDuration = "60s")
    void aGuestsByteStream(byte[] stream) {
        XenStoreServer server = new XenStoreServer();
        server.write("/local/domain/1", "", "n1");
        // A node the guest may neither write nor remove: what it reads back shows the server still serves.
        server.write("/local/domain/0/witness", "dom0", "n0");
        Recorder guest = new Recorder();
        XsConnection connection = server.connect(1, guest);
        connection.receive(ByteBuffer.wrap(stream));

        int replies = 0;
        for (ByteBuffer message : guest.messages) {
            ByteBuffer header = message.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int length = header.getInt(XsWire.LEN_OFFSET);
            assertTrue(length >= 0 && length <= XsWire.PAYLOAD_MAX, "a message the guest can take: " + length);
            assertEquals(XsWire.HEADER_SIZE + length, message.remaining());
            if (header.getInt(XsWire.TYPE_OFFSET) != XsMessageType.WATCH_EVENT.code()) {
                replies++;
            }
        }
        assertEquals(completeMessages(stream), replies, "one reply per complete message");
        assertTrue(server.nodesOwnedBy(1) <= XsLimits.DEFAULTS.nodesPerDomain(), "within the node quota");
        assertTrue(server.watchCount() <= XsLimits.DEFAULTS.watchesPerDomain() + 1, "within the watch quota");
        assertTrue(server.transactionCount() <= XsLimits.DEFAULTS.transactionsPerConnection() + 1);
        assertEquals("dom0", server.read("/local/domain/0/witness"), "the server still serves");

        connection.close();
        assertEquals(0, server.watchCount());
        assertEquals(0, server.transactionCount());
    }
}
