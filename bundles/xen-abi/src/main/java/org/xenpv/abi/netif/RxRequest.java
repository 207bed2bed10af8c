package org.xenpv.abi.netif;

import java.nio.ByteBuffer;

/**
 * A receive request ({@code struct netif_rx_request}): a granted page the back
 * end may copy a received frame into.
 *
 * <pre>
 *  0     2     4          8
 *  +-----+-----+----------+
 *  | id  | pad | gref     |
 *  +-----+-----+----------+
 * </pre>
 */
public record RxRequest(int id, int gref) {
    public static final int SIZE = 8;
    public static final int ID_OFFSET = 0;
    public static final int GREF_OFFSET = 4;

    public static void write(ByteBuffer page, int at, int id, int gref) {
        page.putShort(at + ID_OFFSET, (short) id);
        page.putShort(at + 2, (short) 0);
        page.putInt(at + GREF_OFFSET, gref);
    }

    public static RxRequest read(ByteBuffer page, int at) {
        return new RxRequest(Short.toUnsignedInt(page.getShort(at + ID_OFFSET)), page.getInt(at + GREF_OFFSET));
    }
}
