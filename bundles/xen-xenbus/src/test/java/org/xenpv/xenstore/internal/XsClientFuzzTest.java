package org.xenpv.xenstore.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.slf4j.helpers.NOPLogger;
import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;
import org.xenpv.xenstore.XenStoreException;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The client decoding whatever XenStore sends: replies and watch events as
 * any byte stream. Plain {@code mvn test} replays the seeds in
 * XsClientFuzzTestInputs/; with JAZZER_FUZZ=1 Jazzer fuzzes. Whatever
 * arrives, the request waiting gets its reply or a XenStoreException (never
 * another exception, never a hang), the watch's waiting events stay within
 * their cap, and the connection ends cleanly.
 */
class XsClientFuzzTest {

    /** Serves the stream once the client's request is out, then ends, as a connection that goes away. */
    private static final class StreamPort implements XenbusPort {
        private final ByteBuffer stream;
        private boolean requestSent;
        private boolean closed;

        StreamPort(byte[] bytes) {
            this.stream = ByteBuffer.wrap(bytes);
        }

        @Override
        public synchronized void write(ByteBuffer message) throws PortException {
            if (closed) {
                throw new PortException("fuzz", "write", Errno.ENOTCONN, "closed");
            }
            requestSent = true;
            notifyAll();
        }

        @Override
        public synchronized int read(ByteBuffer dst) throws PortException {
            while (!requestSent && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PortException("fuzz", "read", Errno.EINTR, "interrupted");
                }
            }
            if (closed || !stream.hasRemaining()) {
                return -1;
            }
            // A few bytes at a time: messages arrive split, as from a socket.
            int n = Math.min(Math.min(dst.remaining(), stream.remaining()), 1 + stream.position() % 61);
            dst.put(stream.slice().limit(n));
            stream.position(stream.position() + n);
            return n;
        }

        @Override
        public synchronized void close() {
            closed = true;
            notifyAll();
        }
    }

    @FuzzTest(maxDuration = "60s")
    void repliesAndWatchEvents(byte[] stream) {
        XsClientConnection connection = new XsClientConnection(new StreamPort(stream), "fuzz",
                TimeUnit.SECONDS.toMillis(10), new RateLimitedLog(NOPLogger.NOP_LOGGER));
        XenStoreClient client = new XenStoreClient(connection);
        // The token the first watch of a connection gets: events in the stream can name it.
        String token = connection.newToken();
        connection.addWatch(token, new XsClientConnection.EventSink() {
            @Override
            public void deliver(String path) {
                assertNotNull(path);
            }

            @Override
            public String watchedPath() {
                return "/watched";
            }
        });
        try {
            assertNotNull(client.read("/local/domain/1/domid")); // request id 1
        } catch (XenStoreException e) {
            assertNotNull(e.error());
        }
        assertTrue(connection.waitingEvents(token) <= XsClientConnection.MAX_PENDING_EVENT_PATHS);
        connection.close();
        assertFalse(connection.isOpen());
    }
}
