package org.xenpv.abi.netif;

import java.nio.ByteBuffer;

/**
 * A transmit response ({@code struct netif_tx_response}).
 *
 * <pre>
 *  0     2        4
 *  +-----+--------+
 *  | id  | status |
 *  +-----+--------+
 * </pre>
 *
 * status is signed: one of the {@code NETIF_RSP_*} codes in {@link Netif}.
 */
public record TxResponse(int id, int status) {
    public static final int SIZE = 4;
    public static final int ID_OFFSET = 0;
    public static final int STATUS_OFFSET = 2;

    public static void write(ByteBuffer page, int at, int id, int status) {
        page.putShort(at + ID_OFFSET, (short) id);
        page.putShort(at + STATUS_OFFSET, (short) status);
    }

    /** Copies the response at {@code at}: id unsigned, status sign-extended. */
    public static TxResponse read(ByteBuffer page, int at) {
        return new TxResponse(Short.toUnsignedInt(page.getShort(at + ID_OFFSET)), page.getShort(at + STATUS_OFFSET));
    }
}
