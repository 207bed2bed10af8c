package org.xenpv.capture.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads back a little-endian pcapng file as the capture writes it (one
 * section, one interface), checking every block's framing on the way.
 */
final class PcapngReader {
    record Packet(int interfaceId, long timestamp, int originalLength, byte[] data, int flags) {
        int direction() {
            return flags & 3;
        }
    }

    record Option(int code, byte[] value) {
    }

    record File(int linkType, int snapLength, String interfaceName, int tsresol, List<Packet> packets) {
    }

    private PcapngReader() {
    }

    static File read(Path path) throws IOException {
        return read(Files.readAllBytes(path));
    }

    static File read(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer shb = block(in);
        assertEquals(0x0A0D0D0A, shb.getInt(0), "Section Header Block type");
        assertEquals(0x1A2B3C4D, shb.getInt(8), "byte-order magic");
        assertEquals(1, shb.getShort(12), "major version");
        assertEquals(0, shb.getShort(14), "minor version");
        assertEquals(-1L, shb.getLong(16), "section length");
        options(shb, 24);

        ByteBuffer idb = block(in);
        assertEquals(1, idb.getInt(0), "Interface Description Block type");
        int linkType = idb.getShort(8) & 0xffff;
        int snapLength = idb.getInt(12);
        String name = null;
        int tsresol = 6;
        for (Option option : options(idb, 16)) {
            if (option.code() == 2) {
                name = new String(option.value(), StandardCharsets.UTF_8);
            } else if (option.code() == 9) {
                assertEquals(1, option.value().length, "if_tsresol length");
                tsresol = option.value()[0];
            }
        }

        List<Packet> packets = new ArrayList<>();
        while (in.hasRemaining()) {
            ByteBuffer epb = block(in);
            assertEquals(6, epb.getInt(0), "Enhanced Packet Block type");
            int captured = epb.getInt(20);
            int original = epb.getInt(24);
            assertTrue(captured <= original && captured <= snapLength, "captured " + captured + " of " + original);
            byte[] data = new byte[captured];
            epb.get(28, data);
            int flags = 0;
            for (Option option : options(epb, 28 + ((captured + 3) & -4))) {
                if (option.code() == 2) {
                    assertEquals(4, option.value().length, "epb_flags length");
                    flags = ByteBuffer.wrap(option.value()).order(ByteOrder.LITTLE_ENDIAN).getInt();
                }
            }
            long timestamp = (long) epb.getInt(12) << 32 | epb.getInt(16) & 0xffff_ffffL;
            packets.add(new Packet(epb.getInt(8), timestamp, original, data, flags));
        }
        return new File(linkType, snapLength, name, tsresol, packets);
    }

    /** The next block, checked: its length is a multiple of 4 and repeated at its end. */
    private static ByteBuffer block(ByteBuffer in) {
        int start = in.position();
        assertTrue(in.remaining() >= 12, "a whole block at " + start);
        int length = in.getInt(start + 4);
        assertTrue(length >= 12 && length % 4 == 0 && length <= in.remaining(), "block length " + length + " at " + start);
        assertEquals(length, in.getInt(start + length - 4), "the block's length repeated at its end, at " + start);
        ByteBuffer block = in.slice(start, length).order(ByteOrder.LITTLE_ENDIAN);
        in.position(start + length);
        return block;
    }

    /** The options from {@code at} to the block's end; checks that opt_endofopt ends them. */
    private static List<Option> options(ByteBuffer block, int at) {
        List<Option> options = new ArrayList<>();
        int end = block.capacity() - 4;
        while (true) {
            assertTrue(at + 4 <= end, "options end with opt_endofopt");
            int code = block.getShort(at) & 0xffff;
            int length = block.getShort(at + 2) & 0xffff;
            if (code == 0) {
                assertEquals(0, length, "opt_endofopt length");
                assertEquals(end, at + 4, "nothing after opt_endofopt");
                return options;
            }
            byte[] value = new byte[length];
            block.get(at + 4, value);
            options.add(new Option(code, value));
            at += 4 + ((length + 3) & -4);
        }
    }
}
