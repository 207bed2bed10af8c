package org.xenpv.xenstore.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xenpv.abi.xs.XsError;
import org.xenpv.platform.spi.XenbusPort;
import org.xenpv.sim.xenstore.GuestXenbusChannel;
import org.xenpv.sim.xenstore.XenStoreServer;
import org.xenpv.sim.xenstore.XenStoreSocketServer;
import org.xenpv.xenstore.Permission;
import org.xenpv.xenstore.Watch;
import org.xenpv.xenstore.XenStoreException;
import org.xenpv.xenstore.XenStoreTransaction;

/** The client against the simulated server: a guest over its xenbus channel, dom0 over the socket. */
class XenStoreClientTest {
    private static final long BOUND_SECONDS = 10;

    @TempDir
    Path dir;

    private XenStoreServer server;
    private XenStoreSocketServer socket;
    private XsClientConnection guestConnection;
    private XsClientConnection dom0Connection;
    private XenStoreClient guest;
    private XenStoreClient dom0;

    @BeforeEach
    void connect() throws Exception {
        server = new XenStoreServer();
        server.write("/local/domain/1", "", "n1");
        server.write("/local/domain/1/domid", "1", "n0", "r1");
        server.write("/local/domain/2", "", "n2");
        socket = new XenStoreSocketServer(server, dir.resolve("xs.sock"));
        guestConnection = new XsClientConnection(new GuestXenbusChannel(server, 1), "guest 1", 10_000);
        dom0Connection = new XsClientConnection(UnixSocketXenbusPort.connect(socket.socketPath()), "dom0", 10_000);
        guest = new XenStoreClient(guestConnection);
        dom0 = new XenStoreClient(dom0Connection);
    }

    @AfterEach
    void disconnect() {
        guest.release();
        dom0.release();
        guestConnection.close();
        dom0Connection.close();
        socket.close();
        assertEquals(0, server.watchCount(), "no watch left on the server");
        assertEquals(0, server.transactionCount(), "no transaction left on the server");
    }

    @Test
    void nodeOperations() throws Exception {
        guest.write("device/vif/0/mac", "00:16:3e:00:00:01");
        assertEquals("00:16:3e:00:00:01", guest.read("device/vif/0/mac"));
        assertEquals("00:16:3e:00:00:01", dom0.read("/local/domain/1/device/vif/0/mac"));
        guest.write("bytes", new byte[] {0, 1, (byte) 0xff});
        assertArrayEquals(new byte[] {0, 1, (byte) 0xff}, guest.readBytes("bytes"));
        guest.mkdir("device/vbd");
        assertEquals(List.of("vif", "vbd"), guest.directory("device"));
        assertTrue(guest.exists("device/vbd"));
        assertEquals(Optional.empty(), guest.readIfExists("device/none"));
        guest.remove("device");
        assertFalse(guest.exists("device/vif/0/mac"));
        assertEquals("/local/domain/1", guest.domainPath(1));
    }

    @Test
    void errorsNameTheErrorTheOperationAndThePath() throws Exception {
        XenStoreException missing = assertThrows(XenStoreException.class, () -> guest.read("no/such/node"));
        assertEquals(XsError.ENOENT, missing.error());
        assertEquals("XS_READ", missing.operation());
        assertEquals("no/such/node", missing.path());
        assertTrue(missing.getMessage().contains("ENOENT") && missing.getMessage().contains("no/such/node"),
                missing.getMessage());

        XenStoreException refused = assertThrows(XenStoreException.class,
                () -> guest.write("/local/domain/2/intrusion", "x"));
        assertEquals(XsError.EACCES, refused.error());
        assertEquals(XsError.EACCES, assertThrows(XenStoreException.class,
                () -> guest.directory("/local/domain/2")).error());
        assertEquals(XsError.EINVAL, assertThrows(XenStoreException.class, () -> guest.read("bad path")).error());
        assertEquals(XsError.EINVAL, assertThrows(XenStoreException.class, () -> guest.read("")).error());
    }

    @Test
    void permissionsRoundTrip() throws Exception {
        guest.write("shared", "x");
        guest.setPermissions("shared", List.of(Permission.parse("n1"), Permission.parse("r0"),
                new Permission(2, Permission.Access.BOTH)));
        assertEquals("[n1, r0, b2]", guest.permissions("shared").toString());
        assertEquals(XsError.EINVAL, assertThrows(XenStoreException.class,
                () -> guest.setPermissions("shared", List.of())).error());
        assertThrows(IllegalArgumentException.class, () -> Permission.parse("x1"));
    }

    @Test
    void aPayloadOverTheLimitIsRefusedBeforeItIsSent() throws Exception {
        long malformedBefore = server.malformedCount();
        XenStoreException e = assertThrows(XenStoreException.class, () -> guest.write("big", "x".repeat(4100)));
        assertEquals(XsError.E2BIG, e.error());
        assertTrue(e.getMessage().contains("not sent"), e.getMessage());
        assertEquals(malformedBefore, server.malformedCount(), "the server never saw it");
        assertEquals("1", guest.read("domid"), "the connection still works");
    }

    @Test
    void largeDirectoriesAreReadInParts() throws Exception {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String name = "a-rather-long-child-name-" + i;
            expected.add(name);
            dom0.write("/tool/many/" + name, "");
        }
        assertEquals(expected, dom0.directory("/tool/many"));
    }

    @Test
    void aConflictingTransactionIsRunAgain() throws Exception {
        guest.write("counter", "0");
        AtomicInteger runs = new AtomicInteger();
        String result = guest.inTransaction(tx -> {
            int value = Integer.parseInt(tx.read("counter"));
            if (runs.incrementAndGet() == 1) {
                dom0.write("/local/domain/1/counter", "10"); // a concurrent commit
            }
            tx.write("counter", Integer.toString(value + 1));
            return "done after " + runs.get();
        });
        assertEquals("done after 2", result);
        assertEquals("11", guest.read("counter"), "the second run saw the concurrent write");
    }

    @Test
    void aTransactionIsInvisibleUntilCommittedAndAbortedOnClose() throws Exception {
        try (XenStoreTransaction tx = guest.startTransaction()) {
            tx.write("staged", "1");
            assertEquals("1", tx.read("staged"));
            assertFalse(guest.exists("staged"));
        }
        assertFalse(guest.exists("staged"), "closed without commit: aborted");
        XenStoreTransaction tx = guest.startTransaction();
        tx.write("staged", "2");
        tx.commit();
        tx.close();
        assertEquals("2", guest.read("staged"));
        assertEquals(XsError.EINVAL, assertThrows(XenStoreException.class, tx::commit).error());
    }

    @Test
    void watchesFireOnRegistrationThenInOrderOffTheReaderThread() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        List<String> threads = new ArrayList<>();
        guest.write("device", "");
        Watch watch = guest.watch("device", path -> {
            threads.add(Thread.currentThread().getName());
            try {
                // Calling XenStore from a listener must work: it does not run on the reader thread.
                events.add(path + "=" + guest.readIfExists(path).orElse("<gone>"));
            } catch (XenStoreException e) {
                events.add("failed: " + e);
            }
        });
        assertEquals("device=", events.poll(BOUND_SECONDS, TimeUnit.SECONDS), "the initial event");
        for (int i = 0; i < 20; i++) {
            dom0.write("/local/domain/1/device/n" + i, Integer.toString(i));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals("device/n" + i + "=" + i, events.poll(BOUND_SECONDS, TimeUnit.SECONDS), "relative watch, relative events");
        }
        assertTrue(threads.stream().allMatch("xenpv-xenstore-watch"::equals), threads.toString());
        watch.close();
        dom0.write("/local/domain/1/device/n", "after close");
        dom0.read("/local/domain/1/domid"); // a round trip after the write: its event would have been sent by now
        guest.read("domid");
        assertNull(events.poll(), "no event after close");
        assertEquals(0, server.watchCount(), "the watch is gone from the server");
    }

    @Test
    void concurrentCallersShareTheConnection() throws Exception {
        onThreads(8, thread -> {
            for (int i = 0; i < 100; i++) {
                String path = "t" + thread + "/k" + i;
                guest.write(path, thread + ":" + i);
                assertEquals(thread + ":" + i, guest.read(path));
            }
        });
        assertEquals(100, guest.directory("t7").size());
    }

    @Test
    void aRequestInFlightWhenTheConnectionDropsFailsInsteadOfHanging() throws Exception {
        SilentPort port = new SilentPort();
        XsClientConnection connection = new XsClientConnection(port, "silent", TimeUnit.MINUTES.toMillis(5));
        XenStoreClient client = new XenStoreClient(connection);
        CompletableFuture<XenStoreException> failure = CompletableFuture.supplyAsync(() -> assertThrows(
                XenStoreException.class, () -> client.read("anything")));
        assertTrue(port.written.await(BOUND_SECONDS, TimeUnit.SECONDS), "the request went out");
        port.close();
        XenStoreException e = failure.get(BOUND_SECONDS, TimeUnit.SECONDS);
        assertEquals(XsError.EIO, e.error());
        assertEquals(XsError.EIO, assertThrows(XenStoreException.class, () -> client.read("later")).error(),
                "later requests fail at once");
        connection.close();
    }

    @Test
    void releaseEndsWhatAUserLeftOpen() throws Exception {
        XenStoreClient user = new XenStoreClient(guestConnection);
        user.watch("domid", path -> { });
        user.startTransaction();
        assertEquals(1, server.watchCount());
        assertEquals(1, server.transactionCount());
        user.release();
        assertEquals(0, user.openWatches());
        assertEquals(0, user.openTransactions());
        assertEquals(0, server.watchCount());
        assertEquals(0, server.transactionCount());
        assertNotNull(guest.read("domid"));
        assertNotEquals(0, server.connectionCount());
    }

    @Test
    void aChannelThatTakesOneRequestAtATimeNeverHoldsTwo() throws Exception {
        OneAtATimePort port = new OneAtATimePort();
        XsClientConnection connection = new XsClientConnection(port, "one-at-a-time",
                TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        XenStoreClient client = new XenStoreClient(connection);
        try {
            onThreads(4, thread -> {
                for (int i = 0; i < 25; i++) {
                    String path = "/t" + thread + "/k" + i;
                    assertEquals(path, client.read(path), "each caller gets the reply to its own request");
                }
            });
        } finally {
            connection.close();
            port.farEnd.shutdownNow();
        }
        assertEquals(100, port.requests.get());
        assertEquals(1, port.mostAwaitingReply.get(), "never a second request before the first one's reply");
    }

    interface ThreadBody {
        void run(int thread) throws Exception;
    }

    /** Runs {@code body} on {@code threads} threads at once, each told its number, and waits for them all. */
    private static void onThreads(int threads, ThreadBody body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                work.add(pool.submit(() -> {
                    body.run(thread);
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(BOUND_SECONDS * 3, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A channel whose far end answers each XS_READ with its path, a moment later; counts what awaits a reply. */
    private static final class OneAtATimePort implements XenbusPort {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger mostAwaitingReply = new AtomicInteger();
        final ScheduledExecutorService farEnd = Executors.newSingleThreadScheduledExecutor();
        private final AtomicInteger awaitingReply = new AtomicInteger();
        private final BlockingQueue<ByteBuffer> replies = new LinkedBlockingQueue<>();
        private volatile boolean closed;
        private ByteBuffer unread = ByteBuffer.allocate(0);

        @Override
        public int maxRequestsInFlight() {
            return 1;
        }

        @Override
        public void write(ByteBuffer message) {
            ByteBuffer request = message.slice().order(ByteOrder.LITTLE_ENDIAN);
            message.position(message.limit());
            requests.incrementAndGet();
            mostAwaitingReply.accumulateAndGet(awaitingReply.incrementAndGet(), Math::max);
            farEnd.schedule(() -> {
                int pathLength = request.getInt(12) - 1;
                ByteBuffer reply = ByteBuffer.allocate(16 + pathLength).order(ByteOrder.LITTLE_ENDIAN);
                reply.putInt(request.getInt(0)).putInt(request.getInt(4)).putInt(0).putInt(pathLength)
                        .put(request.slice(16, pathLength)).flip();
                awaitingReply.decrementAndGet();
                replies.add(reply);
            }, 1, TimeUnit.MILLISECONDS);
        }

        @Override
        public int read(ByteBuffer dst) {
            try {
                while (!unread.hasRemaining()) {
                    if (closed) {
                        return -1;
                    }
                    ByteBuffer next = replies.poll(10, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        unread = next;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
            int bytes = Math.min(dst.remaining(), unread.remaining());
            dst.put(unread.slice(unread.position(), bytes));
            unread.position(unread.position() + bytes);
            return bytes;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** A channel whose far end never answers; closing it is the connection dropping. */
    private static final class SilentPort implements XenbusPort {
        final CountDownLatch written = new CountDownLatch(1);
        private final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void write(ByteBuffer message) {
            message.position(message.limit());
            written.countDown();
        }

        @Override
        public int read(ByteBuffer dst) {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return -1;
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }
}
