package org.xenpv.stack.lwip.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import org.xenpv.stack.lwip.SocketInfo;
import org.xenpv.stack.lwip.TcpConnection;

import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;

/** A connected lwIP TCP socket as streams. */
final class LwipTcpConnection extends LwipSocket implements TcpConnection {
    /** Bytes moved per call into lwIP; lwIP's own buffers are 64 KiB each way. */
    private static final int CHUNK = 16 * 1024;

    private volatile InetSocketAddress local;
    private volatile InetSocketAddress remote;
    private final Input input = new Input();
    private final Output output = new Output();
    private volatile Duration readTimeout = Duration.ZERO;
    private volatile Duration writeTimeout = Duration.ZERO;
    private volatile boolean outputShut;

    LwipTcpConnection(LwipRuntime lwip, SocketRegistry registry, int fd, InetSocketAddress remote)
            throws IOException {
        super(lwip, registry, fd);
        this.local = name(true);
        this.remote = remote != null ? remote : name(false);
    }

    /** A socket not connected yet: {@link #connect} connects it. */
    private LwipTcpConnection(LwipRuntime lwip, SocketRegistry registry, int fd) throws IOException {
        super(lwip, registry, fd);
    }

    static LwipTcpConnection connect(LwipRuntime lwip, SocketRegistry registry, LwipInterface via,
            InetSocketAddress remote, Duration timeout) throws IOException {
        long deadline = deadline(timeout);
        LwipTcpConnection connection = new LwipTcpConnection(lwip, registry,
                open(lwip, LwipAbi.SOCK_STREAM, 0, LwipAbi.AF_INET6));
        try {
            connection.bindToInterface(via.name());
            byte[] to = SocketAddresses.encode(remote, via.index());
            long started = connection.call(lib -> lib.lwip_connect(connection.fd, to, to.length));
            if (started < 0 && started != -LwipAbi.EINPROGRESS) {
                throw refused(remote, started);
            }
            if (started < 0) {
                connection.await(LwipAbi.POLLOUT, deadline, "connecting to " + remote);
                int error = connection.pendingError();
                if (error != 0) {
                    throw refused(remote, error);
                }
            }
            connection.local = connection.name(true);
            connection.remote = remote;
            return connection;
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** lwIP reports a peer's reset to a SYN as ECONNRESET where Linux says ECONNREFUSED: both are refusals. */
    private static ConnectException refused(InetSocketAddress remote, long errno) {
        return new ConnectException("connecting to " + remote + ": " + Errno.describe((int) Math.abs(errno)));
    }

    private InetSocketAddress name(boolean local) throws IOException {
        byte[] address = new byte[LwipAbi.SOCKADDR_IN6_SIZE];
        IntByReference length = new IntByReference(address.length);
        long result = call(lib -> local ? lib.lwip_getsockname(fd, address, length)
                : lib.lwip_getpeername(fd, address, length));
        if (result < 0) {
            throw error(local ? "reading the local address" : "reading the peer's address", result);
        }
        return SocketAddresses.decode(address, length.getValue());
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
        readTimeout = Objects.requireNonNull(timeout);
    }

    @Override
    public void setWriteTimeout(Duration timeout) {
        writeTimeout = Objects.requireNonNull(timeout);
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public void shutdownOutput() throws IOException {
        long result = call(lib -> lib.lwip_shutdown(fd, LwipAbi.SHUT_WR));
        if (result < 0) {
            throw error("shutting the output down", result);
        }
        outputShut = true;
    }

    @Override
    SocketInfo info() {
        return new SocketInfo("tcp", outputShut ? "output-closed" : "connected", local, Optional.of(remote));
    }

    private final class Input extends InputStream {
        private final Memory buffer = new Memory(CHUNK);
        private boolean endOfStream;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public synchronized int read(byte[] into, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, into.length);
            if (length == 0) {
                return 0;
            }
            if (endOfStream) {
                return -1;
            }
            long deadline = deadline(readTimeout);
            while (true) {
                int want = Math.min(length, CHUNK);
                long got = call(lib -> lib.lwip_recv(fd, buffer, want, 0));
                if (got > 0) {
                    buffer.read(0, into, offset, (int) got);
                    return (int) got;
                }
                if (got == 0) {
                    endOfStream = true;
                    return -1;
                }
                if (!wouldBlock(got)) {
                    throw error("reading from " + remote, got);
                }
                await(LwipAbi.POLLIN, deadline, "reading from " + remote);
            }
        }

        @Override
        public void close() {
            LwipTcpConnection.this.close();
        }
    }

    private final class Output extends OutputStream {
        private final Memory buffer = new Memory(CHUNK);

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] from, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, from.length);
            long deadline = deadline(writeTimeout);
            while (length > 0) {
                int chunk = Math.min(length, CHUNK);
                buffer.write(0, from, offset, chunk);
                long sent = call(lib -> lib.lwip_send(fd, buffer, chunk, 0));
                if (sent > 0) {
                    offset += (int) sent;
                    length -= (int) sent;
                    continue;
                }
                if (sent == 0 || !wouldBlock(sent)) {
                    throw error("writing to " + remote, sent);
                }
                await(LwipAbi.POLLOUT, deadline, "writing to " + remote);
            }
        }

        @Override
        public void close() {
            LwipTcpConnection.this.close();
        }
    }
}
