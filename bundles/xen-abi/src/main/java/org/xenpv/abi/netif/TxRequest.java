package org.xenpv.abi.netif;

import java.nio.ByteBuffer;

/**
 * A transmit request ({@code struct netif_tx_request}): one slot of a packet,
 * a granted page and the part of it that holds data.
 *
 * <pre>
 *  0          4        6       8     10     12
 *  +----------+--------+-------+------+------+
 *  | gref     | offset | flags | id   | size |
 *  +----------+--------+-------+------+------+
 * </pre>
 *
 * In the first slot of a packet, size is the size of the whole packet; in the
 * following slots, the size of that slot's data.
 */
public record TxRequest(int gref, int offset, int flags, int id, int size) {
    public static final int SIZE = 12;
    public static final int GREF_OFFSET = 0;
    public static final int OFFSET_OFFSET = 4;
    public static final int FLAGS_OFFSET = 6;
    public static final int ID_OFFSET = 8;
    public static final int SIZE_OFFSET = 10;

    /** Writes a request into the slot at {@code at} of {@code page} (little-endian). */
    public static void write(ByteBuffer page, int at, int gref, int offset, int flags, int id, int size) {
        page.putInt(at + GREF_OFFSET, gref);
        page.putShort(at + OFFSET_OFFSET, (short) offset);
        page.putShort(at + FLAGS_OFFSET, (short) flags);
        page.putShort(at + ID_OFFSET, (short) id);
        page.putShort(at + SIZE_OFFSET, (short) size);
    }

    /** Copies the request in the slot at {@code at}; 16-bit fields come back unsigned. */
    public static TxRequest read(ByteBuffer page, int at) {
        return new TxRequest(page.getInt(at + GREF_OFFSET),
                Short.toUnsignedInt(page.getShort(at + OFFSET_OFFSET)),
                Short.toUnsignedInt(page.getShort(at + FLAGS_OFFSET)),
                Short.toUnsignedInt(page.getShort(at + ID_OFFSET)),
                Short.toUnsignedInt(page.getShort(at + SIZE_OFFSET)));
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }
}
