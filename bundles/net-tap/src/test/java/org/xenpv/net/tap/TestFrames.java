package org.xenpv.net.tap;

import java.nio.ByteBuffer;

/** Frames for the tests, built by hand, and a checksum check that shares no code with the one tested. */
public final class TestFrames {
    private TestFrames() {
    }

    /** An IPv4 frame (14 + 20 + transport) with {@code payload} bytes after a TCP (20) or UDP (8) header. */
    public static ByteBuffer ipv4(int protocol, int payload) {
        int transport = (protocol == 6 ? 20 : 8) + payload;
        ByteBuffer frame = ByteBuffer.allocate(14 + 20 + transport);
        frame.put(0, new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort(12, (short) 0x0800);
        frame.put(14, (byte) 0x45).putShort(16, (short) (20 + transport)).put(22, (byte) 64)
                .put(23, (byte) protocol).putInt(26, 0xc0000201).putInt(30, 0xc0000202);
        fillTransport(frame, 34, protocol, transport);
        return frame;
    }

    /** An IPv6 frame with one hop-by-hop options header (8 bytes) before TCP or UDP. */
    public static ByteBuffer ipv6WithHopByHop(int protocol, int payload) {
        int transport = (protocol == 6 ? 20 : 8) + payload;
        ByteBuffer frame = ByteBuffer.allocate(14 + 40 + 8 + transport);
        frame.put(0, new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort(12, (short) 0x86dd);
        frame.putInt(14, 0x60000000).putShort(18, (short) (8 + transport)).put(20, (byte) 0).put(21, (byte) 64);
        frame.putLong(22, 0xfe80_0000_0000_0000L).putLong(30, 1).putLong(38, 0xfe80_0000_0000_0000L)
                .putLong(46, 2);
        frame.put(54, (byte) protocol).put(55, (byte) 0).put(56, (byte) 1).put(57, (byte) 4);
        fillTransport(frame, 62, protocol, transport);
        return frame;
    }

    private static void fillTransport(ByteBuffer frame, int at, int protocol, int length) {
        for (int i = 0; i < length; i++) {
            frame.put(at + i, (byte) (i * 7 + 3));
        }
        frame.putShort(at, (short) 40000).putShort(at + 2, (short) 80);
        if (protocol == 6) {
            frame.put(at + 12, (byte) 0x50);
        } else {
            frame.putShort(at + 4, (short) length);
        }
    }

    /** The pseudo-header sum (IPv4 or IPv6) of the transport segment at {@code at}, folded, not inverted. */
    public static int pseudoHeaderSum(ByteBuffer frame, int at, int protocol) {
        long sum = 0;
        int length = frame.limit() - at;
        if (frame.getShort(12) == 0x0800) {
            sum += sum16(frame, 26, 8);
        } else {
            sum += sum16(frame, 22, 32);
        }
        sum += protocol + length;
        return fold(sum);
    }

    /** True when the transport checksum of the segment at {@code at} verifies. */
    public static boolean transportChecksumIsValid(ByteBuffer frame, int at, int protocol) {
        long sum = pseudoHeaderSum(frame, at, protocol) + sum16(frame, at, frame.limit() - at);
        return fold(sum) == 0xffff;
    }

    private static long sum16(ByteBuffer frame, int at, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int hi = frame.get(at + i) & 0xff;
            int lo = i + 1 < length ? frame.get(at + i + 1) & 0xff : 0;
            sum += hi << 8 | lo;
        }
        return sum;
    }

    private static int fold(long sum) {
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) sum;
    }
}
