package org.xenpv.net.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class TransportChecksumTest {
    @Test
    void findsTcpAndUdpOverIpv4() {
        int tcp = TransportChecksum.locate(TestFrames.ipv4(6, 100));
        assertEquals(34, TransportChecksum.start(tcp));
        assertEquals(TransportChecksum.TCP_CHECKSUM_OFFSET, TransportChecksum.checksumOffset(tcp));
        int udp = TransportChecksum.locate(TestFrames.ipv4(17, 100));
        assertEquals(34, TransportChecksum.start(udp));
        assertEquals(TransportChecksum.UDP_CHECKSUM_OFFSET, TransportChecksum.checksumOffset(udp));
    }

    @Test
    void walksIpv6ExtensionHeaders() {
        int tcp = TransportChecksum.locate(TestFrames.ipv6WithHopByHop(6, 10));
        assertEquals(62, TransportChecksum.start(tcp));
        assertEquals(TransportChecksum.TCP_CHECKSUM_OFFSET, TransportChecksum.checksumOffset(tcp));
    }

    @Test
    void findsNothingWhereThereIsNothingToFind() {
        ByteBuffer fragment = TestFrames.ipv4(6, 100);
        fragment.putShort(20, (short) 0x2000); // more fragments
        assertEquals(TransportChecksum.NOT_FOUND, TransportChecksum.locate(fragment));
        ByteBuffer icmp = TestFrames.ipv4(1, 100);
        assertEquals(TransportChecksum.NOT_FOUND, TransportChecksum.locate(icmp));
        ByteBuffer truncated = TestFrames.ipv4(6, 0).limit(14 + 20 + 19);
        assertEquals(TransportChecksum.NOT_FOUND, TransportChecksum.locate(truncated));
        ByteBuffer arp = ByteBuffer.allocate(60).putShort(12, (short) 0x0806);
        assertEquals(TransportChecksum.NOT_FOUND, TransportChecksum.locate(arp));
        ByteBuffer badHeaderLength = TestFrames.ipv4(6, 100);
        badHeaderLength.put(14, (byte) 0x44);
        assertEquals(TransportChecksum.NOT_FOUND, TransportChecksum.locate(badHeaderLength));
    }

    @Test
    void aHostileChainOfExtensionHeadersEndsTheWalk() {
        // Every extension header names another hop-by-hop header: the walk must stop, not loop.
        ByteBuffer frame = ByteBuffer.allocate(14 + 40 + 8 * 64);
        frame.putShort(12, (short) 0x86dd).putInt(14, 0x60000000).put(20, (byte) 0);
        assertEquals(TransportChecksum.NOT_FOUND, TransportChecksum.locate(frame));
        // An extension header claiming to run past the frame's end finds nothing either.
        ByteBuffer overlong = TestFrames.ipv6WithHopByHop(6, 10);
        overlong.put(55, (byte) 200);
        assertEquals(TransportChecksum.NOT_FOUND, TransportChecksum.locate(overlong));
    }

    @Test
    void completesPartialChecksumsAsADeviceWould() {
        for (int payload = 0; payload < 70; payload++) {
            for (ByteBuffer frame : new ByteBuffer[] {TestFrames.ipv4(6, payload), TestFrames.ipv4(17, payload),
                TestFrames.ipv6WithHopByHop(6, payload), TestFrames.ipv6WithHopByHop(17, payload)}) {
                int located = TransportChecksum.locate(frame);
                int start = TransportChecksum.start(located);
                int offset = TransportChecksum.checksumOffset(located);
                int protocol = offset == TransportChecksum.TCP_CHECKSUM_OFFSET ? 6 : 17;
                frame.putShort(start + offset, (short) TestFrames.pseudoHeaderSum(frame, start, protocol));
                assertFalse(TestFrames.transportChecksumIsValid(frame, start, protocol) && payload > 3,
                        "a partial checksum does not verify");
                assertTrue(TransportChecksum.complete(frame, start, offset));
                assertTrue(TestFrames.transportChecksumIsValid(frame, start, protocol),
                        "checksum of " + frame + " with protocol " + protocol + " and " + payload + " bytes");
            }
        }
    }

    @Test
    void completionRespectsTheFramesPosition() {
        ByteBuffer frame = TestFrames.ipv4(6, 33);
        ByteBuffer shifted = ByteBuffer.allocate(frame.capacity() + 5).put(5, frame, 0, frame.capacity())
                .position(5);
        frame.putShort(34 + 16, (short) TestFrames.pseudoHeaderSum(frame, 34, 6));
        shifted.putShort(5 + 34 + 16, frame.getShort(34 + 16));
        assertEquals(34 << 16 | 16, TransportChecksum.locate(shifted));
        assertTrue(TransportChecksum.complete(shifted, 34, 16));
        assertTrue(TransportChecksum.complete(frame, 34, 16));
        assertEquals(frame.getShort(34 + 16), shifted.getShort(5 + 34 + 16));
        assertEquals(5, shifted.position(), "the frame is not moved");
    }

    @Test
    void refusesAChecksumOutsideTheFrame() {
        ByteBuffer frame = TestFrames.ipv4(17, 4);
        assertFalse(TransportChecksum.complete(frame, frame.limit() - 1, 0));
        assertFalse(TransportChecksum.complete(frame, 34, 0xffff));
        assertFalse(TransportChecksum.complete(frame, -1, 6));
    }
}
