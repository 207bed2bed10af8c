package org.xenpv.net.tap;

import java.nio.ByteBuffer;

/**
 * Where the TCP or UDP checksum of an Ethernet frame is, and how to finish a
 * partial one. netif says only "checksum blank" and leaves the peer to find
 * the transport header by parsing (IPv4, or IPv6 past its extension headers,
 * TCP or UDP); the virtio-net header says exactly where. These functions
 * translate between the two. Offsets are from the frame's position; the frame
 * is read with absolute gets and is not moved.
 */
public final class TransportChecksum {
    /** Returned by {@link #locate} for a frame that is not unfragmented TCP or UDP over IP. */
    public static final int NOT_FOUND = -1;
    public static final int TCP_CHECKSUM_OFFSET = 16;
    public static final int UDP_CHECKSUM_OFFSET = 6;
    private static final int ETHERNET = 14;
    private static final int VLAN_TAG = 4;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86dd;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int TCP = 6;
    private static final int UDP = 17;
    /** IPv6 extension headers walked before giving up: enough for any sane packet, bounded for a hostile one. */
    private static final int MAX_EXTENSION_HEADERS = 8;

    private TransportChecksum() {
    }

    /**
     * Finds the transport header of an unfragmented TCP or UDP packet over
     * IPv4 or IPv6 (one VLAN tag allowed).
     *
     * @return {@code start << 16 | checksumOffset}, where start is the transport header's offset
     *     in the frame; or {@link #NOT_FOUND}
     */
    public static int locate(ByteBuffer frame) {
        int base = frame.position();
        int length = frame.remaining();
        if (length < ETHERNET) {
            return NOT_FOUND;
        }
        int l3 = ETHERNET;
        int etherType = u16(frame, base + 12);
        if (etherType == ETHERTYPE_VLAN) {
            if (length < ETHERNET + VLAN_TAG) {
                return NOT_FOUND;
            }
            etherType = u16(frame, base + 16);
            l3 += VLAN_TAG;
        }
        int protocol;
        int l4;
        if (etherType == ETHERTYPE_IPV4) {
            if (length < l3 + 20) {
                return NOT_FOUND;
            }
            int versionAndLength = frame.get(base + l3) & 0xff;
            int headerLength = (versionAndLength & 0x0f) * 4;
            boolean fragment = (u16(frame, base + l3 + 6) & 0x3fff) != 0;
            if (versionAndLength >> 4 != 4 || headerLength < 20 || fragment) {
                return NOT_FOUND;
            }
            protocol = frame.get(base + l3 + 9) & 0xff;
            l4 = l3 + headerLength;
        } else if (etherType == ETHERTYPE_IPV6) {
            if (length < l3 + 40 || (frame.get(base + l3) & 0xf0) != 0x60) {
                return NOT_FOUND;
            }
            protocol = frame.get(base + l3 + 6) & 0xff;
            l4 = l3 + 40;
            for (int walked = 0; protocol != TCP && protocol != UDP; walked++) {
                if (walked == MAX_EXTENSION_HEADERS || length < l4 + 8) {
                    return NOT_FOUND;
                }
                int next = frame.get(base + l4) & 0xff;
                int size;
                switch (protocol) {
                    case 0: // hop-by-hop options
                    case 43: // routing
                    case 60: // destination options
                        size = ((frame.get(base + l4 + 1) & 0xff) + 1) * 8;
                        break;
                    case 51: // authentication header
                        size = ((frame.get(base + l4 + 1) & 0xff) + 2) * 4;
                        break;
                    default: // fragments, ESP, anything else: the transport header is not there to find
                        return NOT_FOUND;
                }
                protocol = next;
                l4 += size;
            }
        } else {
            return NOT_FOUND;
        }
        int checksumOffset;
        if (protocol == TCP && length >= l4 + 20) {
            checksumOffset = TCP_CHECKSUM_OFFSET;
        } else if (protocol == UDP && length >= l4 + 8) {
            checksumOffset = UDP_CHECKSUM_OFFSET;
        } else {
            return NOT_FOUND;
        }
        if (l4 > 0xffff) {
            return NOT_FOUND;
        }
        return l4 << 16 | checksumOffset;
    }

    /** The transport header's offset from a {@link #locate} result. */
    public static int start(int located) {
        return located >>> 16;
    }

    /** The checksum field's offset in the transport header, from a {@link #locate} result. */
    public static int checksumOffset(int located) {
        return located & 0xffff;
    }

    /** The TCP header length of the frame whose transport header {@link #locate} found at {@code start}. */
    public static int tcpHeaderLength(ByteBuffer frame, int start) {
        return ((frame.get(frame.position() + start + 12) & 0xff) >> 4) * 4;
    }

    /**
     * Finishes a partial checksum as a device would: the field at
     * {@code start + offset} holds the pseudo-header's sum; the one's
     * complement sum of everything from {@code start} to the end goes there.
     *
     * @return false when start and offset do not fit the frame (nothing is written)
     */
    public static boolean complete(ByteBuffer frame, int start, int offset) {
        int base = frame.position();
        int length = frame.remaining();
        if (start < 0 || offset < 0 || (long) start + offset + 2 > length) {
            return false;
        }
        long sum = 0;
        int at = base + start;
        int end = base + length;
        for (; at + 8 <= end; at += 8) {
            long word = frame.getLong(at);
            if (frame.order() != java.nio.ByteOrder.BIG_ENDIAN) {
                word = Long.reverseBytes(word);
            }
            sum += (word >>> 48) + (word >>> 32 & 0xffff) + (word >>> 16 & 0xffff) + (word & 0xffff);
        }
        for (; at + 1 < end; at += 2) {
            sum += u16(frame, at);
        }
        if (at < end) {
            sum += (frame.get(at) & 0xff) << 8;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        int checksum = (int) ~sum & 0xffff;
        if (checksum == 0 && offset == UDP_CHECKSUM_OFFSET) {
            checksum = 0xffff; // UDP sends a computed zero as all ones: zero means "no checksum"
        }
        frame.put(base + start + offset, (byte) (checksum >> 8)).put(base + start + offset + 1, (byte) checksum);
        return true;
    }

    private static int u16(ByteBuffer frame, int at) {
        return (frame.get(at) & 0xff) << 8 | (frame.get(at + 1) & 0xff);
    }
}
