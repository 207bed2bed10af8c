package org.xenpv.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.xenpv.stack.lwip.IpStack;
import org.xenpv.stack.lwip.SocketInfo;
import org.xenpv.stack.lwip.StackClosedException;
import org.xenpv.stack.lwip.TcpConnection;
import org.xenpv.stack.lwip.TcpListener;
import org.xenpv.stack.lwip.UdpSocket;

/**
 * An IpStack over the JDK's sockets on 127.0.0.1 only, so that the server runs
 * without lwIP. Closing it closes every socket, as a stack that goes away does.
 */
final class LoopbackIpStack implements IpStack {
    private static final Inet4Address LOOPBACK;

    static {
        try {
            LOOPBACK = (Inet4Address) InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean closed;

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** Sockets open now (listeners and connections). */
    int openSockets() {
        return open.size();
    }

    /** The stack goes away: every socket is closed. */
    void close() {
        closed = true;
        for (AutoCloseable socket : Set.copyOf(open)) {
            try {
                socket.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
    }

    @Override
    public TcpListener listen(int port, int backlog) throws IOException {
        if (closed) {
            throw new StackClosedException("stack closed");
        }
        ServerSocket server = new ServerSocket(port, backlog, LOOPBACK);
        Listener listener = new Listener(server);
        open.add(listener);
        return listener;
    }

    private final class Listener implements TcpListener {
        private final ServerSocket server;

        Listener(ServerSocket server) {
            this.server = server;
        }

        @Override
        public TcpConnection accept(Duration timeout) throws IOException {
            try {
                server.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
                Socket socket = server.accept();
                accepted.incrementAndGet();
                Connection connection = new Connection(socket);
                open.add(connection);
                if (closed) {
                    connection.close();
                }
                return connection;
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (SocketException e) {
                if (server.isClosed()) {
                    throw new StackClosedException("listener closed");
                }
                throw e;
            }
        }

        @Override
        public InetSocketAddress localAddress() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        @Override
        public void close() {
            open.remove(this);
            try {
                server.close();
            } catch (IOException e) {
                // closed anyway
            }
        }
    }

    private final class Connection implements TcpConnection {
        private final Socket socket;
        private final InputStream input;
        private final OutputStream output;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            this.input = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    try {
                        return in.read(b, off, len);
                    } catch (SocketTimeoutException e) {
                        throw e;
                    } catch (SocketException e) {
                        throw closedOr(e);
                    }
                }
            };
            this.output = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    try {
                        out.write(b, off, len);
                    } catch (SocketException e) {
                        throw closedOr(e);
                    }
                }
            };
        }

        private IOException closedOr(SocketException e) {
            return socket.isClosed() ? new StackClosedException("connection closed") : e;
        }

        @Override
        public InputStream input() {
            return input;
        }

        @Override
        public OutputStream output() {
            return output;
        }

        @Override
        public void setReadTimeout(Duration timeout) {
            try {
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            } catch (SocketException e) {
                // closed: the next read says so
            }
        }

        @Override
        public void setWriteTimeout(Duration timeout) {
            // java.net has no write timeout; the loopback peer always reads in these tests
        }

        @Override
        public InetSocketAddress localAddress() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return (InetSocketAddress) socket.getRemoteSocketAddress();
        }

        @Override
        public void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        @Override
        public void close() {
            open.remove(this);
            try {
                socket.close();
            } catch (IOException e) {
                // closed anyway
            }
        }
    }

    @Override
    public String interfaceName() {
        return "lo0";
    }

    @Override
    public String nicName() {
        return "loopback";
    }

    @Override
    public State state() {
        return closed ? State.CLOSED : State.RUNNING;
    }

    @Override
    public Optional<String> failure() {
        return Optional.empty();
    }

    @Override
    public Inet4Address address() {
        return LOOPBACK;
    }

    @Override
    public int prefixLength() {
        return 8;
    }

    @Override
    public Optional<Inet4Address> gateway() {
        return Optional.empty();
    }

    @Override
    public Inet6Address linkLocalAddress() {
        try {
            // fe80::1, shown only: the loopback stack listens on 127.0.0.1 alone
            return Inet6Address.getByAddress(null, new byte[] {(byte) 0xfe, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 1}, 0);
        } catch (java.net.UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Override
    public TcpConnection connect(InetSocketAddress remote, Duration timeout) {
        throw new UnsupportedOperationException("the HTTP server only listens");
    }

    @Override
    public UdpSocket openUdp(int port) {
        throw new UnsupportedOperationException("the HTTP server uses no UDP");
    }

    @Override
    public Optional<Duration> ping(InetAddress target, Duration timeout) {
        throw new UnsupportedOperationException("the HTTP server does not ping");
    }

    @Override
    public List<SocketInfo> sockets() {
        return List.of();
    }

    @Override
    public Counters counters() {
        return new Counters(0, 0, 0, 0);
    }
}
