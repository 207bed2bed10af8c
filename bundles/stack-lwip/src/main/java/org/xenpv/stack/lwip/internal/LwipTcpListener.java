package org.xenpv.stack.lwip.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

import org.xenpv.stack.lwip.SocketInfo;
import org.xenpv.stack.lwip.TcpConnection;
import org.xenpv.stack.lwip.TcpListener;

import com.sun.jna.ptr.IntByReference;

/** A listening lwIP TCP socket on every address of one interface (IPv4 and IPv6). */
final class LwipTcpListener extends LwipSocket implements TcpListener {
    private final InetSocketAddress local;

    private LwipTcpListener(LwipRuntime lwip, SocketRegistry registry, int fd, InetSocketAddress local)
            throws IOException {
        super(lwip, registry, fd);
        this.local = local;
    }

    static LwipTcpListener open(LwipRuntime lwip, SocketRegistry registry, LwipInterface netif,
            InetAddress shownAddress, int port, int backlog) throws IOException {
        if (port < 1 || port > 0xffff) {
            throw new IllegalArgumentException("port " + port + " is not 1 to 65535");
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog " + backlog + " is below 1");
        }
        int fd = LwipSocket.open(lwip, LwipAbi.SOCK_STREAM, 0, LwipAbi.AF_INET6);
        LwipTcpListener listener = new LwipTcpListener(lwip, registry, fd, new InetSocketAddress(shownAddress, port));
        try {
            listener.bindToInterface(netif.name());
            listener.setOption(LwipAbi.SOL_SOCKET, LwipAbi.SO_REUSEADDR, LwipStack.intOption(1));
            byte[] any = SocketAddresses.encode(new InetSocketAddress(InetAddress.getByName("::"), port), 0);
            long bound = listener.call(lib -> lib.lwip_bind(fd, any, any.length));
            if (bound < 0) {
                throw error("binding TCP port " + port + " of " + netif.name(), bound);
            }
            long listening = listener.call(lib -> lib.lwip_listen(fd, Math.min(backlog, 0xff)));
            if (listening < 0) {
                throw error("listening on TCP port " + port, listening);
            }
            return listener;
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    @Override
    public TcpConnection accept(Duration timeout) throws IOException {
        long deadline = deadline(timeout);
        while (true) {
            byte[] peer = new byte[LwipAbi.SOCKADDR_IN6_SIZE];
            IntByReference length = new IntByReference(peer.length);
            long accepted = call(lib -> lib.lwip_accept(fd, peer, length));
            if (accepted >= 0) {
                return new LwipTcpConnection(lwip, registry, (int) accepted,
                        SocketAddresses.decode(peer, length.getValue()));
            }
            if (!wouldBlock(accepted)) {
                throw error("accepting on " + local, accepted);
            }
            await(LwipAbi.POLLIN, deadline, "waiting for a connection on " + local);
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    SocketInfo info() {
        return new SocketInfo("tcp", "listening", local, Optional.empty());
    }
}
