package org.xenpv.http.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.stack.lwip.IpStack;
import org.xenpv.stack.lwip.StackClosedException;
import org.xenpv.stack.lwip.TcpConnection;
import org.xenpv.stack.lwip.TcpListener;

/**
 * One listening port: an accept thread, and one thread per connection, at most
 * {@link Settings#maxConnections()} at once. While all are busy the accept
 * thread does not accept, so further connections wait in the stack's backlog.
 */
final class Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Server.class);
    /** How long closing waits for the threads to end; they end as soon as their sockets close. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    /** Closing the listener ends a wait in accept; the bound only keeps a lost wake-up from lasting. */
    private static final Duration ACCEPT_WAIT = Duration.ofMinutes(1);

    private final Settings settings;
    private final Optional<StaticFiles> files;
    private final Handlers handlers;
    private final TcpListener listener;
    private final InetSocketAddress localAddress;
    private final Semaphore slots;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong connectionCount = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closed;

    /** Listens at once; serving starts on the accept thread. */
    Server(IpStack stack, Settings settings, Handlers handlers) throws IOException {
        this.settings = settings;
        this.handlers = handlers;
        this.files = settings.root().isPresent() ? Optional.of(new StaticFiles(settings.root().get()))
                : Optional.empty();
        this.slots = new Semaphore(settings.maxConnections());
        this.listener = stack.listen(settings.port(), settings.backlog());
        this.localAddress = listener.localAddress();
        this.acceptor = new Thread(this::acceptLoop, "xenpv-http-" + localAddress.getPort() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress localAddress() {
        return localAddress;
    }

    Optional<Path> root() {
        return files.map(StaticFiles::root);
    }

    int openConnections() {
        return open.size();
    }

    long requests() {
        return requests.get();
    }

    void countRequest() {
        requests.incrementAndGet();
    }

    Settings settings() {
        return settings;
    }

    Optional<StaticFiles> files() {
        return files;
    }

    Handlers handlers() {
        return handlers;
    }

    private void acceptLoop() {
        try {
            while (!closed) {
                slots.acquire();
                TcpConnection tcp;
                try {
                    tcp = listener.accept(ACCEPT_WAIT);
                } catch (java.net.SocketTimeoutException e) {
                    slots.release();
                    continue;
                } catch (IOException e) {
                    slots.release();
                    throw e;
                }
                start(tcp);
            }
        } catch (InterruptedException | StackClosedException e) {
            // closing
        } catch (IOException e) {
            if (!closed) {
                LOG.error("HTTP server on {}: accepting failed, no more connections are taken: {}", localAddress,
                        e.toString());
            }
        } catch (RuntimeException e) {
            LOG.error("HTTP server on {}: the accept loop failed", localAddress, e);
        }
    }

    private void start(TcpConnection tcp) {
        Connection connection = new Connection(this, tcp);
        open.add(connection);
        Thread thread = new Thread(() -> {
            try {
                connection.run();
            } finally {
                open.remove(connection);
                slots.release();
            }
        }, "xenpv-http-" + localAddress.getPort() + "-" + connectionCount.incrementAndGet());
        thread.setDaemon(true);
        connection.thread = thread;
        thread.start();
        // A close that ran between accept and add did not see this connection.
        if (closed) {
            connection.close();
        }
    }

    /** Stops listening, closes every connection and waits for every thread to end. */
    @Override
    public void close() {
        closed = true;
        listener.close();
        acceptor.interrupt();
        for (Connection connection : open) {
            connection.close();
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        join(acceptor, deadline);
        for (Connection connection : Set.copyOf(open)) {
            join(connection.thread, deadline);
        }
    }

    private void join(Thread thread, long deadline) {
        if (thread == null) {
            return;
        }
        try {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("HTTP server on {}: thread {} did not end on close", localAddress, thread.getName());
        }
    }
}
