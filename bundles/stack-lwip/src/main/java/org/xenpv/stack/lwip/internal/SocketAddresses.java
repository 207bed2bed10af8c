package org.xenpv.stack.lwip.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * struct sockaddr_in6 (glibc's layout, which Debian's lwIP takes) to and from
 * Java. Every socket of the stack is IPv6 and dual-stack: lwIP maps IPv4 peers
 * to ::ffff:a.b.c.d and unmaps them again when it sends.
 */
final class SocketAddresses {
    private SocketAddresses() {
    }

    /** @param scope the interface index for a link-local address (lwIP's netif number + 1) */
    static byte[] encode(InetSocketAddress socketAddress, int scope) {
        ByteBuffer out = ByteBuffer.allocate(LwipAbi.SOCKADDR_IN6_SIZE).order(ByteOrder.nativeOrder());
        out.putShort(0, (short) LwipAbi.AF_INET6);
        out.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) socketAddress.getPort()).order(ByteOrder.nativeOrder());
        InetAddress address = socketAddress.getAddress();
        byte[] bytes;
        if (address == null) {
            throw new IllegalArgumentException("unresolved address " + socketAddress);
        } else if (address instanceof Inet4Address) {
            bytes = new byte[16];
            bytes[10] = (byte) 0xff;
            bytes[11] = (byte) 0xff;
            System.arraycopy(address.getAddress(), 0, bytes, 12, 4);
        } else {
            bytes = address.getAddress();
            if (address.isLinkLocalAddress()) {
                out.putInt(24, scope);
            }
        }
        out.position(8);
        out.put(bytes);
        return out.array();
    }

    static InetSocketAddress decode(byte[] sockaddr, int length) {
        ByteBuffer in = ByteBuffer.wrap(sockaddr).order(ByteOrder.nativeOrder());
        int family = in.getShort(0) & 0xffff;
        int port = Short.toUnsignedInt(Short.reverseBytes(in.getShort(2)));
        if (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN) {
            port = in.getShort(2) & 0xffff;
        }
        try {
            if (family == LwipAbi.AF_INET && length >= LwipAbi.SOCKADDR_IN_SIZE) {
                byte[] v4 = new byte[4];
                System.arraycopy(sockaddr, 4, v4, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(v4), port);
            }
            if (family == LwipAbi.AF_INET6 && length >= LwipAbi.SOCKADDR_IN6_SIZE) {
                byte[] v6 = new byte[16];
                System.arraycopy(sockaddr, 8, v6, 0, 16);
                InetAddress address = InetAddress.getByAddress(v6); // gives an Inet4Address for ::ffff:a.b.c.d
                if (address instanceof Inet6Address && address.isLinkLocalAddress()) {
                    address = Inet6Address.getByAddress(null, v6, in.getInt(24));
                }
                return new InetSocketAddress(address, port);
            }
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
        throw new IllegalArgumentException("lwIP returned an address of family " + family + ", length " + length);
    }
}
