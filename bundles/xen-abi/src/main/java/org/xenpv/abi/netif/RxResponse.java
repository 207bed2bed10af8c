package org.xenpv.abi.netif;

import java.nio.ByteBuffer;

/**
 * A receive response ({@code struct netif_rx_response}).
 *
 * <pre>
 *  0     2        4       6        8
 *  +-----+--------+-------+--------+
 *  | id  | offset | flags | status |
 *  +-----+--------+-------+--------+
 * </pre>
 *
 * A non-negative status is the number of bytes received into the page at
 * offset; a negative one is a {@code NETIF_RSP_*} error.
 */
public record RxResponse(int id, int offset, int flags, int status) {
    public static final int SIZE = 8;
    public static final int ID_OFFSET = 0;
    public static final int OFFSET_OFFSET = 2;
    public static final int FLAGS_OFFSET = 4;
    public static final int STATUS_OFFSET = 6;

    public static void write(ByteBuffer page, int at, int id, int offset, int flags, int status) {
        page.putShort(at + ID_OFFSET, (short) id);
        page.putShort(at + OFFSET_OFFSET, (short) offset);
        page.putShort(at + FLAGS_OFFSET, (short) flags);
        page.putShort(at + STATUS_OFFSET, (short) status);
    }

    public static RxResponse read(ByteBuffer page, int at) {
        return new RxResponse(Short.toUnsignedInt(page.getShort(at + ID_OFFSET)),
                Short.toUnsignedInt(page.getShort(at + OFFSET_OFFSET)),
                Short.toUnsignedInt(page.getShort(at + FLAGS_OFFSET)),
                page.getShort(at + STATUS_OFFSET));
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }
}
