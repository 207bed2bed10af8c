package org.xenpv.stack.lwip.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import org.xenpv.stack.lwip.SocketInfo;

import com.sun.jna.ptr.IntByReference;

/**
 * One echo request and its reply, over an lwIP raw socket (ICMP for IPv4,
 * ICMPv6 for IPv6; lwIP fills in ICMPv6's checksum, ICMP's is computed here).
 * lwIP hands raw sockets the whole packet, IP header included.
 */
final class LwipPinger extends LwipSocket {
    private static final int ECHO_REQUEST_V4 = 8;
    private static final int ECHO_REPLY_V4 = 0;
    private static final int ECHO_REQUEST_V6 = 128;
    private static final int ECHO_REPLY_V6 = 129;
    private static final int PAYLOAD = 56;

    private final InetAddress target;
    private final boolean v4;
    private final int scope;

    private LwipPinger(LwipRuntime lwip, SocketRegistry registry, int fd, InetAddress target, int scope)
            throws IOException {
        super(lwip, registry, fd);
        this.target = target;
        this.v4 = target instanceof Inet4Address;
        this.scope = scope;
    }

    static LwipPinger open(LwipRuntime lwip, SocketRegistry registry, LwipInterface via, InetAddress target)
            throws IOException {
        boolean v4 = target instanceof Inet4Address;
        int fd = open(lwip, LwipAbi.SOCK_RAW, v4 ? LwipAbi.IPPROTO_ICMP : LwipAbi.IPPROTO_ICMPV6,
                v4 ? LwipAbi.AF_INET : LwipAbi.AF_INET6);
        LwipPinger pinger = new LwipPinger(lwip, registry, fd, target, via.index());
        try {
            pinger.bindToInterface(via.name());
            return pinger;
        } catch (IOException | RuntimeException e) {
            pinger.close();
            throw e;
        }
    }

    Optional<Duration> ping(Duration timeout) throws IOException {
        int id = ThreadLocalRandom.current().nextInt(1, 0xffff);
        int sequence = 1;
        ByteBuffer request = ByteBuffer.allocateDirect(8 + PAYLOAD).order(ByteOrder.BIG_ENDIAN);
        request.put((byte) (v4 ? ECHO_REQUEST_V4 : ECHO_REQUEST_V6)).put((byte) 0).putShort((short) 0)
                .putShort((short) id).putShort((short) sequence);
        for (int i = 0; i < PAYLOAD; i++) {
            request.put((byte) i);
        }
        if (v4) {
            request.putShort(2, (short) internetChecksum(request, request.capacity()));
        }
        request.flip();
        byte[] to = v4 ? sockaddrIn(target) : SocketAddresses.encode(new InetSocketAddress(target, 0), scope);
        long sentAt = System.nanoTime();
        long sent = call(lib -> lib.lwip_sendto(fd, request, request.remaining(), 0, to, to.length));
        if (sent < 0) {
            throw error("sending an echo request to " + target.getHostAddress(), sent);
        }
        long deadline = deadline(timeout);
        ByteBuffer reply = ByteBuffer.allocateDirect(1500).order(ByteOrder.BIG_ENDIAN);
        while (true) {
            reply.clear();
            byte[] from = new byte[LwipAbi.SOCKADDR_IN6_SIZE];
            IntByReference fromLength = new IntByReference(from.length);
            long got = call(lib -> lib.lwip_recvfrom(fd, reply, reply.capacity(), 0, from, fromLength));
            if (got >= 0) {
                if (isOurReply(reply, (int) got, id, sequence)) {
                    return Optional.of(Duration.ofNanos(System.nanoTime() - sentAt));
                }
                // someone else's ICMP: keep waiting, but a flood of it must not outlast the timeout
                if (deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0) {
                    throw new java.net.SocketTimeoutException("no echo reply of "
                            + target.getHostAddress() + " among the ICMP received");
                }
                continue;
            }
            if (!wouldBlock(got)) {
                throw error("waiting for the echo reply of " + target.getHostAddress(), got);
            }
            await(LwipAbi.POLLIN, deadline, "waiting for the echo reply of " + target.getHostAddress());
        }
    }

    private boolean isOurReply(ByteBuffer packet, int length, int id, int sequence) {
        int at = 0;
        int version = length > 0 ? (packet.get(0) & 0xf0) >> 4 : 0;
        if (v4 && version == 4) {
            at = (packet.get(0) & 0x0f) * 4;
        } else if (!v4 && version == 6) {
            at = 40;
        }
        if (length < at + 8) {
            return false;
        }
        int type = packet.get(at) & 0xff;
        return type == (v4 ? ECHO_REPLY_V4 : ECHO_REPLY_V6) && (packet.getShort(at + 4) & 0xffff) == id
                && (packet.getShort(at + 6) & 0xffff) == sequence;
    }

    private static byte[] sockaddrIn(InetAddress target) {
        ByteBuffer out = ByteBuffer.allocate(LwipAbi.SOCKADDR_IN_SIZE).order(ByteOrder.nativeOrder());
        out.putShort(0, (short) LwipAbi.AF_INET);
        out.position(4);
        out.put(target.getAddress());
        return out.array();
    }

    static int internetChecksum(ByteBuffer data, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += data.getShort(i) & 0xffff;
        }
        if ((length & 1) != 0) {
            sum += (data.get(length - 1) & 0xff) << 8;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) ~sum & 0xffff;
    }

    @Override
    SocketInfo info() {
        return new SocketInfo(v4 ? "icmp" : "icmpv6", "pinging " + target.getHostAddress(),
                new InetSocketAddress(0), Optional.empty());
    }
}
