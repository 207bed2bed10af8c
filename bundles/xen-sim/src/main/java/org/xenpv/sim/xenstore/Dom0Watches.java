package org.xenpv.sim.xenstore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.abi.xs.XsWire;

/**
 * Watches for the simulated dom0's own components (toolstack, netback): a
 * privileged connection whose events run on one thread of its own, in order,
 * outside the server's lock.
 */
public final class Dom0Watches implements MessageSink, AutoCloseable {
    private final XsConnection connection;
    private final ExecutorService thread;
    private final Map<String, Consumer<String>> listeners = new ConcurrentHashMap<>();
    private final AtomicInteger tokens = new AtomicInteger();

    public Dom0Watches(XenStoreServer server, String threadName) {
        this.thread = Executors.newSingleThreadExecutor(r -> new Thread(r, threadName));
        this.connection = server.connect(0, this);
    }

    /** Watches {@code path}; {@code listener} hears the initial event, then every change at or under it. */
    public AutoCloseable watch(String path, Consumer<String> listener) {
        String token = "dom0-" + tokens.incrementAndGet();
        listeners.put(token, listener);
        connection.receive(XsMessage.of(XsMessageType.WATCH.code(), 0, 0, path + "\0" + token + "\0").encode());
        return () -> {
            listeners.remove(token);
            connection.receive(XsMessage.of(XsMessageType.UNWATCH.code(), 0, 0, path + "\0" + token + "\0")
                    .encode());
        };
    }

    @Override
    public void send(ByteBuffer message) {
        ByteBuffer m = message.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (m.getInt(XsWire.TYPE_OFFSET) != XsMessageType.WATCH_EVENT.code()) {
            return; // replies to our own watch requests
        }
        byte[] payload = new byte[m.getInt(XsWire.LEN_OFFSET)];
        m.position(XsWire.HEADER_SIZE).get(payload);
        String[] fields = new String(payload, StandardCharsets.UTF_8).split("\0");
        if (fields.length < 2) {
            return;
        }
        if (!thread.isShutdown()) {
            thread.execute(() -> {
                Consumer<String> listener = listeners.get(fields[1]);
                if (listener != null) {
                    listener.accept(fields[0]);
                }
            });
        }
    }

    /** Runs {@code task} on the watch thread, after the events already queued. */
    public void execute(Runnable task) {
        if (!thread.isShutdown()) {
            thread.execute(task);
        }
    }

    @Override
    public void close() {
        connection.close();
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
