package org.xenpv.itests;

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

import org.xenpv.stack.lwip.IpStack;
import org.xenpv.stack.lwip.SocketInfo;
import org.xenpv.stack.lwip.StackClosedException;
import org.xenpv.stack.lwip.TcpConnection;
import org.xenpv.stack.lwip.TcpListener;
import org.xenpv.stack.lwip.UdpSocket;

/**
 * An IpStack over the JDK's TCP sockets on 127.0.0.1, registered by the probe
 * in place of lwIP so that the http bundle's wiring can be seen serving. TCP
 * listening only: what the HTTP server uses.
 */
final class LoopbackIpStack implements IpStack {
    private static final Inet4Address LOOPBACK = (Inet4Address) InetAddress.getLoopbackAddress();

    @Override
    public TcpListener listen(int port, int backlog) throws IOException {
        ServerSocket server = new ServerSocket(port, backlog, LOOPBACK);
        return new TcpListener() {
            @Override
            public TcpConnection accept(Duration timeout) throws IOException {
                server.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
                try {
                    return connection(server.accept());
                } catch (SocketTimeoutException e) {
                    throw e;
                } catch (SocketException e) {
                    throw server.isClosed() ? new StackClosedException("listener closed") : e;
                }
            }

            @Override
            public InetSocketAddress localAddress() {
                return (InetSocketAddress) server.getLocalSocketAddress();
            }

            @Override
            public void close() {
                try {
                    server.close();
                } catch (IOException e) {
                    // closed anyway
                }
            }
        };
    }

    private static TcpConnection connection(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        return new TcpConnection() {
            @Override
            public InputStream input() {
                return new InputStream() {
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
                            throw socket.isClosed() ? new StackClosedException("closed") : e;
                        }
                    }
                };
            }

            @Override
            public OutputStream output() {
                return out;
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
                // java.net has none; the test's client reads everything
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
                try {
                    socket.close();
                } catch (IOException e) {
                    // closed anyway
                }
            }
        };
    }

    @Override
    public String interfaceName() {
        return "lo";
    }

    @Override
    public String nicName() {
        return "loopback";
    }

    @Override
    public State state() {
        return State.RUNNING;
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
        throw new UnsupportedOperationException("no IPv6 in the loopback test stack");
    }

    @Override
    public TcpConnection connect(InetSocketAddress remote, Duration timeout) {
        throw new UnsupportedOperationException("the loopback test stack only listens");
    }

    @Override
    public UdpSocket openUdp(int port) {
        throw new UnsupportedOperationException("no UDP in the loopback test stack");
    }

    @Override
    public Optional<Duration> ping(InetAddress target, Duration timeout) {
        throw new UnsupportedOperationException("no ICMP in the loopback test stack");
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
