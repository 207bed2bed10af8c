package org.xenpv.stack.lwip.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;

import org.xenpv.stack.lwip.SocketInfo;
import org.xenpv.stack.lwip.UdpSocket;

import com.sun.jna.ptr.IntByReference;

/** An lwIP UDP socket on one interface. Datagrams go through a direct buffer the socket owns. */
final class LwipUdpSocket extends LwipSocket implements UdpSocket {
    private static final int MAX_DATAGRAM = 0xffff;
    private final LwipInterface netif;
    private volatile InetSocketAddress local;
    private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);

    private LwipUdpSocket(LwipRuntime lwip, SocketRegistry registry, int fd, LwipInterface netif,
            InetSocketAddress local) throws IOException {
        super(lwip, registry, fd);
        this.netif = netif;
        this.local = local;
    }

    static LwipUdpSocket open(LwipRuntime lwip, SocketRegistry registry, LwipInterface netif,
            InetAddress shownAddress, int port) throws IOException {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port " + port + " is not 0 to 65535");
        }
        int fd = LwipSocket.open(lwip, LwipAbi.SOCK_DGRAM, 0, LwipAbi.AF_INET6);
        LwipUdpSocket socket = new LwipUdpSocket(lwip, registry, fd, netif, null);
        try {
            socket.bindToInterface(netif.name());
            byte[] any = SocketAddresses.encode(new InetSocketAddress(InetAddress.getByName("::"), port), 0);
            long bound = socket.call(lib -> lib.lwip_bind(fd, any, any.length));
            if (bound < 0) {
                throw error("binding UDP port " + port + " of " + netif.name(), bound);
            }
            byte[] name = new byte[LwipAbi.SOCKADDR_IN6_SIZE];
            IntByReference length = new IntByReference(name.length);
            long named = socket.call(lib -> lib.lwip_getsockname(fd, name, length));
            int actualPort = named < 0 ? port : SocketAddresses.decode(name, length.getValue()).getPort();
            socket.local = new InetSocketAddress(shownAddress, actualPort);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public synchronized void send(ByteBuffer datagram, InetSocketAddress target) throws IOException {
        int length = datagram.remaining();
        if (length > MAX_DATAGRAM - 48) {
            throw new IOException("datagram of " + length + " bytes is larger than UDP carries");
        }
        sendBuffer.clear();
        sendBuffer.put(datagram.duplicate()).flip();
        byte[] to = SocketAddresses.encode(target, netif.index());
        long sent = call(lib -> lib.lwip_sendto(fd, sendBuffer, length, 0, to, to.length));
        if (sent < 0) {
            throw error("sending to " + target, sent);
        }
        datagram.position(datagram.limit());
    }

    @Override
    public synchronized InetSocketAddress receive(ByteBuffer into, Duration timeout) throws IOException {
        long deadline = deadline(timeout);
        while (true) {
            byte[] from = new byte[LwipAbi.SOCKADDR_IN6_SIZE];
            IntByReference fromLength = new IntByReference(from.length);
            receiveBuffer.clear();
            long got = call(lib -> lib.lwip_recvfrom(fd, receiveBuffer, MAX_DATAGRAM, 0, from, fromLength));
            if (got >= 0) {
                receiveBuffer.limit((int) got);
                if (receiveBuffer.remaining() > into.remaining()) {
                    receiveBuffer.limit(into.remaining());
                }
                into.put(receiveBuffer);
                return SocketAddresses.decode(from, fromLength.getValue());
            }
            if (!wouldBlock(got)) {
                throw error("receiving on " + local, got);
            }
            await(LwipAbi.POLLIN, deadline, "receiving on " + local);
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    SocketInfo info() {
        return new SocketInfo("udp", "bound", local, Optional.empty());
    }
}
