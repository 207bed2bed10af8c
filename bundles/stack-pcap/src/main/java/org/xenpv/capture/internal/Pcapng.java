package org.xenpv.capture.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The pcapng blocks a capture writes (the pcapng format, IETF
 * draft-ietf-opsawg-pcapng), little-endian: one section with one Ethernet
 * interface, then one Enhanced Packet Block per frame. Every block is
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |  block type                                                   |  0
 *  +---------------------------------------------------------------+
 *  |  block total length (the same number ends the block)          |  4
 *  +---------------------------------------------------------------+
 *  |  body, then options: code (16) | length (16) | value, padded  |  8
 *  |  to 32 bits ... ending with opt_endofopt (code 0, length 0)   |
 *  +---------------------------------------------------------------+
 *  |  block total length                                           |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * with these bodies:
 * <pre>
 *  Section Header Block (0x0A0D0D0A): byte-order magic 0x1A2B3C4D (32) | major 1 (16) | minor 0 (16)
 *      | section length -1 (64, unknown) | options: shb_userappl
 *  Interface Description Block (1):   link type 1, Ethernet (16) | reserved (16) | snap length (32)
 *      | options: if_name, if_tsresol 9 (nanoseconds)
 *  Enhanced Packet Block (6):         interface id (32) | timestamp high (32) | timestamp low (32)
 *      | captured length (32) | original length (32) | frame bytes, padded to 32 bits
 *      | options: epb_flags (bits 0-1: direction, 1 inbound, 2 outbound)
 * </pre>
 */
final class Pcapng {
    static final int SECTION_HEADER_BLOCK = 0x0A0D0D0A;
    static final int INTERFACE_DESCRIPTION_BLOCK = 1;
    static final int ENHANCED_PACKET_BLOCK = 6;
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    static final int LINKTYPE_ETHERNET = 1;

    static final int OPT_ENDOFOPT = 0;
    static final int SHB_USERAPPL = 4;
    static final int IF_NAME = 2;
    static final int IF_TSRESOL = 9;
    static final int EPB_FLAGS = 2;

    /** epb_flags direction: received by the Nic. */
    static final int FLAGS_INBOUND = 1;
    /** epb_flags direction: sent by the Nic. */
    static final int FLAGS_OUTBOUND = 2;
    /** if_tsresol: timestamps count nanoseconds (10^-9 s). */
    static final int TSRESOL_NANOSECONDS = 9;

    /** Type, total length, and total length again. */
    private static final int BLOCK_OVERHEAD = 12;
    private static final int OPTION_HEADER = 4;
    /** The Enhanced Packet Block's fields before the frame bytes. */
    private static final int EPB_FIELDS = 20;
    /** epb_flags (4 + 4) and opt_endofopt (4). */
    private static final int EPB_OPTIONS = 12;
    private static final byte[] USER_APPLICATION = "xenpv stack-pcap".getBytes(StandardCharsets.UTF_8);

    private Pcapng() {
    }

    static int pad4(int length) {
        return (length + 3) & -4;
    }

    static int sectionHeaderLength() {
        return BLOCK_OVERHEAD + 16 + OPTION_HEADER + pad4(USER_APPLICATION.length) + OPTION_HEADER;
    }

    static int interfaceDescriptionLength(byte[] name) {
        return BLOCK_OVERHEAD + 8 + OPTION_HEADER + pad4(name.length) + OPTION_HEADER + 4 + OPTION_HEADER;
    }

    /** The bytes of an Enhanced Packet Block carrying {@code captured} frame bytes. */
    static int enhancedPacketLength(int captured) {
        return BLOCK_OVERHEAD + EPB_FIELDS + pad4(captured) + EPB_OPTIONS;
    }

    /** The name as if_name carries it. */
    static byte[] name(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    static void putSectionHeader(ByteBuffer out) {
        int length = sectionHeaderLength();
        ByteBuffer le = out.order(ByteOrder.LITTLE_ENDIAN);
        le.putInt(SECTION_HEADER_BLOCK).putInt(length).putInt(BYTE_ORDER_MAGIC).putShort((short) 1)
                .putShort((short) 0).putLong(-1L);
        putOption(le, SHB_USERAPPL, USER_APPLICATION);
        le.putInt(OPT_ENDOFOPT).putInt(length);
    }

    static void putInterfaceDescription(ByteBuffer out, byte[] name, int snapLength) {
        int length = interfaceDescriptionLength(name);
        ByteBuffer le = out.order(ByteOrder.LITTLE_ENDIAN);
        le.putInt(INTERFACE_DESCRIPTION_BLOCK).putInt(length).putShort((short) LINKTYPE_ETHERNET).putShort((short) 0)
                .putInt(snapLength);
        putOption(le, IF_NAME, name);
        le.putShort((short) IF_TSRESOL).putShort((short) 1).putInt(TSRESOL_NANOSECONDS); // value 1 byte + 3 of padding
        le.putInt(OPT_ENDOFOPT).putInt(length);
    }

    /**
     * @param timestamp nanoseconds since the epoch
     * @param flags the epb_flags word ({@link #FLAGS_INBOUND} or {@link #FLAGS_OUTBOUND})
     */
    static void putEnhancedPacket(ByteBuffer out, int interfaceId, long timestamp, int originalLength, int flags,
            byte[] frame, int offset, int captured) {
        int length = enhancedPacketLength(captured);
        ByteBuffer le = out.order(ByteOrder.LITTLE_ENDIAN);
        le.putInt(ENHANCED_PACKET_BLOCK).putInt(length).putInt(interfaceId).putInt((int) (timestamp >>> 32))
                .putInt((int) timestamp).putInt(captured).putInt(originalLength).put(frame, offset, captured);
        zeroes(le, pad4(captured) - captured);
        le.putShort((short) EPB_FLAGS).putShort((short) 4).putInt(flags);
        le.putInt(OPT_ENDOFOPT).putInt(length);
    }

    private static void putOption(ByteBuffer out, int code, byte[] value) {
        out.putShort((short) code).putShort((short) value.length).put(value);
        zeroes(out, pad4(value.length) - value.length);
    }

    private static void zeroes(ByteBuffer out, int count) {
        for (int i = 0; i < count; i++) {
            out.put((byte) 0);
        }
    }
}
