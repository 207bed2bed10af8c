package org.xenpv.abi.netif;

import java.nio.ByteBuffer;

/**
 * An extra-info slot ({@code struct netif_extra_info}), which follows a TX
 * request flagged extra_info or an RX response flagged extra_info, in the
 * place of a request or response.
 *
 * <pre>
 *  0      1       2                                8
 *  +------+-------+--------------------------------+
 *  | type | flags | union (6 bytes)                |
 *  +------+-------+--------------------------------+
 *  gso:   size u16 @2, type u8 @4, pad u8 @5, features u16 @6
 *  mcast: addr[6] @2
 *  hash:  type u8 @2, algorithm u8 @3, value[4] @4
 * </pre>
 *
 * @param type one of {@code XEN_NETIF_EXTRA_TYPE_*}
 * @param flags {@link Netif#XEN_NETIF_EXTRA_FLAG_MORE} when another extra slot follows
 * @param union the six union bytes, as a little-endian 48-bit number (byte 2 lowest)
 */
public record ExtraInfo(int type, int flags, long union) {
    public static final int SIZE = 8;
    public static final int TYPE_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int UNION_OFFSET = 2;
    public static final int GSO_SIZE_OFFSET = 2;
    public static final int GSO_TYPE_OFFSET = 4;
    public static final int GSO_PAD_OFFSET = 5;
    public static final int GSO_FEATURES_OFFSET = 6;
    public static final int MCAST_ADDR_OFFSET = 2;
    public static final int HASH_TYPE_OFFSET = 2;
    public static final int HASH_ALGORITHM_OFFSET = 3;
    public static final int HASH_VALUE_OFFSET = 4;

    /** Writes a GSO extra slot. */
    public static void writeGso(ByteBuffer page, int at, int flags, int gsoSize, int gsoType, int features) {
        page.put(at + TYPE_OFFSET, (byte) Netif.XEN_NETIF_EXTRA_TYPE_GSO);
        page.put(at + FLAGS_OFFSET, (byte) flags);
        page.putShort(at + GSO_SIZE_OFFSET, (short) gsoSize);
        page.put(at + GSO_TYPE_OFFSET, (byte) gsoType);
        page.put(at + GSO_PAD_OFFSET, (byte) 0);
        page.putShort(at + GSO_FEATURES_OFFSET, (short) features);
    }

    /**
     * Writes a multicast add or delete slot.
     *
     * @param address the MAC address as a 48-bit number, first octet in the top byte
     */
    public static void writeMulticast(ByteBuffer page, int at, int type, int flags, long address) {
        page.put(at + TYPE_OFFSET, (byte) type);
        page.put(at + FLAGS_OFFSET, (byte) flags);
        for (int i = 0; i < 6; i++) {
            page.put(at + MCAST_ADDR_OFFSET + i, (byte) (address >>> (40 - 8 * i)));
        }
    }

    /** Copies the slot at {@code at}. */
    public static ExtraInfo read(ByteBuffer page, int at) {
        long union = 0;
        for (int i = 5; i >= 0; i--) {
            union = (union << 8) | Byte.toUnsignedLong(page.get(at + UNION_OFFSET + i));
        }
        return new ExtraInfo(Byte.toUnsignedInt(page.get(at + TYPE_OFFSET)),
                Byte.toUnsignedInt(page.get(at + FLAGS_OFFSET)), union);
    }

    public boolean hasMore() {
        return (flags & Netif.XEN_NETIF_EXTRA_FLAG_MORE) != 0;
    }

    /** gso.size: the segment size (MSS) of a GSO packet. */
    public int gsoSize() {
        return (int) (union & 0xffff);
    }

    /** gso.type: one of {@code XEN_NETIF_GSO_TYPE_*}. */
    public int gsoType() {
        return (int) ((union >>> 16) & 0xff);
    }

    /** gso.features. */
    public int gsoFeatures() {
        return (int) ((union >>> 32) & 0xffff);
    }

    /** mcast.addr as a 48-bit number, first octet in the top byte. */
    public long multicastAddress() {
        long address = 0;
        for (int i = 0; i < 6; i++) {
            address = (address << 8) | ((union >>> (8 * i)) & 0xff);
        }
        return address;
    }
}
