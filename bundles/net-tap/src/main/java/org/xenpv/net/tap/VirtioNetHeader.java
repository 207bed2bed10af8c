package org.xenpv.net.tap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The virtio-net header that precedes every frame on a TAP descriptor opened
 * with {@code IFF_VNET_HDR} (struct virtio_net_hdr, in the host's byte order,
 * little-endian here):
 *
 * <pre>
 *  0      1          2         4          6            8             10
 *  +------+----------+---------+----------+------------+-------------+
 *  |flags | gso_type | hdr_len | gso_size | csum_start | csum_offset |
 *  +------+----------+---------+----------+------------+-------------+
 * </pre>
 *
 * A mutable holder, so that the data path can reuse one per thread.
 */
public final class VirtioNetHeader {
    public static final int SIZE = 10;
    /** The transport checksum is partial: fill it in from csum_start, storing at csum_start + csum_offset. */
    public static final int F_NEEDS_CSUM = 1;
    /** The checksum was checked (or need not be). */
    public static final int F_DATA_VALID = 2;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    /** Flag on gso_type: the TCP segments carry ECN's CWR. */
    public static final int GSO_ECN = 0x80;

    static final int FLAGS = 0;
    static final int GSO_TYPE = 1;
    static final int HDR_LEN = 2;
    static final int GSO_SIZE = 4;
    static final int CSUM_START = 6;
    static final int CSUM_OFFSET = 8;

    private int flags;
    private int gsoType;
    private int headerLength;
    private int gsoSize;
    private int checksumStart;
    private int checksumOffset;

    /** Nothing to do for the frame: no offload. */
    public VirtioNetHeader clear() {
        flags = 0;
        gsoType = GSO_NONE;
        headerLength = 0;
        gsoSize = 0;
        checksumStart = 0;
        checksumOffset = 0;
        return this;
    }

    /** Reads the header at {@code offset} of {@code buffer} (absolute). */
    public VirtioNetHeader readFrom(ByteBuffer buffer, int offset) {
        ByteBuffer le = buffer.order() == ByteOrder.LITTLE_ENDIAN ? buffer : buffer.duplicate()
                .order(ByteOrder.LITTLE_ENDIAN);
        flags = le.get(offset + FLAGS) & 0xff;
        gsoType = le.get(offset + GSO_TYPE) & 0xff;
        headerLength = le.getShort(offset + HDR_LEN) & 0xffff;
        gsoSize = le.getShort(offset + GSO_SIZE) & 0xffff;
        checksumStart = le.getShort(offset + CSUM_START) & 0xffff;
        checksumOffset = le.getShort(offset + CSUM_OFFSET) & 0xffff;
        return this;
    }

    /** Writes the header at {@code offset} of {@code buffer}, which must be little-endian (absolute). */
    public void writeTo(ByteBuffer buffer, int offset) {
        if (buffer.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("the virtio-net header is little-endian here");
        }
        buffer.put(offset + FLAGS, (byte) flags).put(offset + GSO_TYPE, (byte) gsoType)
                .putShort(offset + HDR_LEN, (short) headerLength).putShort(offset + GSO_SIZE, (short) gsoSize)
                .putShort(offset + CSUM_START, (short) checksumStart)
                .putShort(offset + CSUM_OFFSET, (short) checksumOffset);
    }

    /** The checksum is partial, from {@code start} of the frame, stored at {@code start + offset}. */
    public VirtioNetHeader needsChecksum(int start, int offset) {
        flags |= F_NEEDS_CSUM;
        checksumStart = checkU16(start, "csum_start");
        checksumOffset = checkU16(offset, "csum_offset");
        return this;
    }

    public VirtioNetHeader dataValid() {
        flags |= F_DATA_VALID;
        return this;
    }

    /** A TCP super-frame for segmentation into {@code segmentSize}-byte segments after {@code headerBytes}. */
    public VirtioNetHeader segmentation(int type, int segmentSize, int headerBytes) {
        if (type != GSO_TCPV4 && type != GSO_TCPV6) {
            throw new IllegalArgumentException("GSO type " + type + " is not TCPv4 or TCPv6");
        }
        gsoType = type;
        gsoSize = checkU16(segmentSize, "gso_size");
        headerLength = checkU16(headerBytes, "hdr_len");
        return this;
    }

    private static int checkU16(int value, String field) {
        if (value < 0 || value > 0xffff) {
            throw new IllegalArgumentException(field + " " + value + " does not fit 16 bits");
        }
        return value;
    }

    public int flags() {
        return flags;
    }

    public boolean needsChecksum() {
        return (flags & F_NEEDS_CSUM) != 0;
    }

    public boolean isDataValid() {
        return (flags & F_DATA_VALID) != 0;
    }

    /** The GSO type without the ECN flag. */
    public int gsoType() {
        return gsoType & ~GSO_ECN;
    }

    public boolean gsoEcn() {
        return (gsoType & GSO_ECN) != 0;
    }

    public int gsoSize() {
        return gsoSize;
    }

    public int headerLength() {
        return headerLength;
    }

    public int checksumStart() {
        return checksumStart;
    }

    public int checksumOffset() {
        return checksumOffset;
    }

    @Override
    public String toString() {
        return "virtio_net_hdr[flags=" + flags + " gso_type=" + gsoType + " hdr_len=" + headerLength + " gso_size="
                + gsoSize + " csum_start=" + checksumStart + " csum_offset=" + checksumOffset + "]";
    }
}
