package org.xenpv.sim.xenstore;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dom0's door to the simulated XenStore: a Unix domain socket, as xenstored
 * offers to the tools (which find it through XENSTORED_PATH). Every client
 * is privileged, as dom0's tools are.
 */
public final class XenStoreSocketServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(XenStoreSocketServer.class);
    private static final long JOIN_MILLIS = TimeUnit.SECONDS.toMillis(5);

    private final XenStoreServer server;
    private final Path socketPath;
    private final ServerSocketChannel listener;
    private final Thread acceptor;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger clientNumbers = new AtomicInteger();
    private volatile boolean closing;

    public XenStoreSocketServer(XenStoreServer server, Path socketPath) throws IOException {
        this.server = server;
        this.socketPath = socketPath;
        Files.createDirectories(socketPath.toAbsolutePath().getParent());
        Files.deleteIfExists(socketPath);
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socketPath));
        acceptor = new Thread(this::acceptLoop, "xenpv-xenstored-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public Path socketPath() {
        return socketPath;
    }

    public int clientCount() {
        return clients.size();
    }

    private void acceptLoop() {
        while (!closing) {
            try {
                SocketChannel channel = listener.accept();
                Client client = new Client(channel, clientNumbers.incrementAndGet());
                clients.add(client);
                client.start();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closing) {
                    LOG.warn("XenStore socket {}: accept failed: {}", socketPath, e.toString());
                }
                return;
            }
        }
    }

    /** One tool connected to the socket: a reader thread feeds the server, a writer thread sends its output. */
    private final class Client implements MessageSink {
        private static final ByteBuffer END = ByteBuffer.allocate(0);

        private final SocketChannel channel;
        private final XsConnection connection;
        private final LinkedBlockingQueue<ByteBuffer> outbound = new LinkedBlockingQueue<>();
        private final Thread reader;
        private final Thread writer;

        Client(SocketChannel channel, int number) {
            this.channel = channel;
            this.connection = server.connect(0, this);
            this.reader = new Thread(this::readLoop, "xenpv-xenstored-read-" + number);
            this.writer = new Thread(this::writeLoop, "xenpv-xenstored-write-" + number);
            reader.setDaemon(true);
            writer.setDaemon(true);
        }

        void start() {
            writer.start();
            reader.start();
        }

        private void readLoop() {
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            try {
                while (channel.read(buffer.clear()) >= 0) {
                    connection.receive(buffer.flip());
                }
            } catch (IOException e) {
                // the tool went away mid-message; its connection ends below either way
            } finally {
                connection.close();
            }
        }

        private void writeLoop() {
            try {
                for (ByteBuffer message = outbound.take(); message != END; message = outbound.take()) {
                    while (message.hasRemaining()) {
                        channel.write(message);
                    }
                }
            } catch (IOException | InterruptedException e) {
                connection.close();
            } finally {
                try {
                    channel.close();
                } catch (IOException e) {
                    // closing a socket that already failed: nothing left to release
                }
                clients.remove(this);
            }
        }

        @Override
        public void send(ByteBuffer message) {
            outbound.add(message);
        }

        @Override
        public void close() {
            outbound.add(END);
        }

        void stop() throws InterruptedException {
            connection.close();
            try {
                channel.close();
            } catch (IOException e) {
                // already closed by its writer
            }
            reader.join(JOIN_MILLIS);
            writer.join(JOIN_MILLIS);
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("closing the XenStore socket", e);
        }
        try {
            acceptor.join(JOIN_MILLIS);
            for (Client client : Set.copyOf(clients)) {
                client.stop();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            LOG.warn("could not remove the XenStore socket {}: {}", socketPath, e.toString());
        }
    }
}
