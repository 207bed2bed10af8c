package org.xenpv.xenstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xenpv.xenstore.internal.HostileXenStore.error;
import static org.xenpv.xenstore.internal.HostileXenStore.message;
import static org.xenpv.xenstore.internal.HostileXenStore.reply;
import static org.xenpv.xenstore.internal.HostileXenStore.watchEvent;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.xenpv.abi.xs.XsError;
import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.xenstore.Watch;
import org.xenpv.xenstore.XenStoreException;

/** The client against a XenStore that answers what a hostile or broken one would. */
class HostileXenStoreTest {
    private static final long BOUND_SECONDS = 10;

    private final AtomicInteger warnings = new AtomicInteger();
    private final Logger countingLogger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class}, (proxy, method, args) -> {
                if (method.getName().equals("warn")) {
                    warnings.incrementAndGet();
                }
                return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
            });
    private XsClientConnection connection;
    private XenStoreClient client;

    private HostileXenStore connect(HostileXenStore.Responder responder) {
        return connect(responder, 10_000);
    }

    private HostileXenStore connect(HostileXenStore.Responder responder, long replyTimeoutMillis) {
        // A burst of 5 an hour: the test never leaves the first window.
        RateLimitedLog log = new RateLimitedLog(countingLogger, 5, 1, TimeUnit.HOURS, System::nanoTime);
        HostileXenStore port = new HostileXenStore(responder);
        connection = new XsClientConnection(port, "hostile", replyTimeoutMillis, log);
        client = new XenStoreClient(connection);
        return port;
    }

    @AfterEach
    void close() {
        if (connection != null) {
            client.release();
            connection.close();
        }
    }

    /** Answers reads with "value", writes and watches with OK, everything else as C would refuse it. */
    private static List<ByteBuffer> wellBehaved(HostileXenStore.Request request) {
        return switch (request.type()) {
            case READ -> List.of(reply(request, "value"));
            case WRITE, WATCH, UNWATCH, TRANSACTION_END -> List.of(reply(request, "OK\0"));
            case TRANSACTION_START -> List.of(reply(request, "1\0"));
            default -> List.of(error(request, "ENOSYS"));
        };
    }

    @Test
    void aReplyOfAnotherTypeFailsItsRequestClearlyAndIsCounted() throws Exception {
        connect(request -> request.text().startsWith("lie")
                ? List.of(message(XsMessageType.WRITE, request.requestId(), "OK\0"))
                : wellBehaved(request));
        XenStoreException e = assertThrows(XenStoreException.class, () -> client.read("lie"));
        assertEquals(XsError.EIO, e.error());
        assertTrue(e.getMessage().contains("XenStore answered XS_WRITE to XS_READ"), e.getMessage());
        assertEquals(1, connection.statistics().mismatchedReplies());
        assertEquals("value", client.read("honest"), "the connection goes on, replies still matched by id");
    }

    @Test
    void aReplyForAnotherRequestIsIgnoredAndTheRightOneStillMatched() throws Exception {
        connect(request -> List.of(message(XsMessageType.READ, request.requestId() + 1000, "stray"),
                reply(request, "mine")));
        assertEquals("mine", client.read("x"));
        assertEquals(1, connection.statistics().malformedMessages());
    }

    @Test
    void aReplyOverThePayloadLimitIsSkippedAndFailsOnlyItsRequest() throws Exception {
        connect(request -> request.text().startsWith("big")
                ? List.of(message(XsMessageType.READ.code(), request.requestId(), 5000, new byte[5000]))
                : wellBehaved(request));
        XenStoreException e = assertThrows(XenStoreException.class, () -> client.read("big"));
        assertEquals(XsError.E2BIG, e.error());
        assertTrue(e.getMessage().contains("5000 bytes"), e.getMessage());
        assertEquals("value", client.read("small"), "the stream stayed in step");
        assertEquals(1, connection.statistics().malformedMessages());
    }

    @Test
    void aListingThatNeverEndsIsRefusedAfterABoundedNumberOfParts() throws Exception {
        AtomicInteger parts = new AtomicInteger();
        StringBuilder names = new StringBuilder("7\0");
        for (int i = 0; i < 500; i++) {
            names.append("n").append(i).append('\0');
        }
        connect(request -> {
            if (request.type() == XsMessageType.DIRECTORY) {
                return List.of(error(request, "E2BIG"));
            }
            parts.incrementAndGet();
            return List.of(reply(request, names.toString()));
        });
        XenStoreException e = assertThrows(XenStoreException.class, () -> client.directory("/endless"));
        assertEquals(XsError.E2BIG, e.error());
        assertTrue(e.getMessage().contains("65536"), e.getMessage());
        assertEquals(132, parts.get(), "refused as soon as the listing passed the bound (500 names a part)");
    }

    @Test
    void aTransactionThatAlwaysConflictsIsRetriedABoundedNumberOfTimes() throws Exception {
        AtomicInteger starts = new AtomicInteger();
        connect(request -> {
            if (request.type() == XsMessageType.TRANSACTION_START) {
                starts.incrementAndGet();
            }
            return request.type() == XsMessageType.TRANSACTION_END && request.text().equals("T\0")
                    ? List.of(error(request, "EAGAIN"))
                    : wellBehaved(request);
        });
        AtomicInteger bodies = new AtomicInteger();
        XenStoreException e = assertThrows(XenStoreException.class, () -> client.inTransaction(tx -> {
            bodies.incrementAndGet();
            tx.write("k", "v");
            return null;
        }));
        assertEquals(XsError.EAGAIN, e.error());
        assertEquals(XenStoreClient.TRANSACTION_ATTEMPTS, starts.get());
        assertEquals(XenStoreClient.TRANSACTION_ATTEMPTS, bodies.get());
    }

    @Test
    void aFloodOfWatchEventsIsCoalescedPerWatchAndTheListenerStillSeesTheLatestState() throws Exception {
        HostileXenStore port = connect(HostileXenStoreTest::wellBehaved);
        BlockingQueue<String> delivered = new LinkedBlockingQueue<>();
        CountDownLatch listenerHeld = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Watch watch = client.watch("/backend", path -> {
            listenerHeld.countDown();
            try {
                release.await(BOUND_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            delivered.add(path);
        });
        String token = "xenpv-1";
        port.inject(watchEvent("/backend", token)); // the event C sends on registration
        assertTrue(listenerHeld.await(BOUND_SECONDS, TimeUnit.SECONDS), "the listener is busy with the first");

        int flood = 50_000;
        for (int i = 0; i < flood; i++) {
            port.inject(watchEvent("/backend/state", token)); // one path, written over and over
        }
        client.read("/round-trip"); // answered after every event injected before it
        assertEquals(1, connection.waitingEvents(token), "one delivery waits, however many events came");
        assertEquals(flood - 1, connection.statistics().coalescedEvents());

        for (int i = 0; i < 1000; i++) {
            port.inject(watchEvent("/backend/n" + i, token)); // many distinct paths
        }
        client.read("/round-trip");
        assertTrue(connection.waitingEvents(token) <= XsClientConnection.MAX_PENDING_EVENT_PATHS,
                "capped: " + connection.waitingEvents(token));
        XsClientConnection.Statistics stats = connection.statistics();
        assertEquals(33, stats.droppedEvents(), "the 32 waiting paths and the 33rd, folded into the watched path");
        assertEquals(flood + 1000, stats.coalescedEvents() + stats.droppedEvents(), "every event is accounted for");
        assertEquals(1, connection.waitingEvents(token), "only the watched path waits");

        release.countDown();
        assertEquals("/backend", delivered.poll(BOUND_SECONDS, TimeUnit.SECONDS),
                "the event being handled when the flood began");
        assertEquals("/backend", delivered.poll(BOUND_SECONDS, TimeUnit.SECONDS),
                "then the watched path, in place of everything folded: the listener re-reads it all");
        assertEquals(0, connection.waitingEvents(token));
        watch.close();
    }

    @Test
    void aXenStoreThatDoesNotAnswerFailsTheRequestAfterTheReplyTimeout() throws Exception {
        connect(request -> request.text().startsWith("ignored") ? List.of() : wellBehaved(request), 200);
        XenStoreException e = assertThrows(XenStoreException.class, () -> client.read("ignored"));
        assertEquals(XsError.EIO, e.error());
        assertTrue(e.getMessage().contains("no reply within 200 ms"), e.getMessage());
        assertEquals("value", client.read("answered"), "the next request is answered");
    }

    @Test
    void malformedWatchEventsAreCountedAndLoggedAtABoundedRate() throws Exception {
        HostileXenStore port = connect(HostileXenStoreTest::wellBehaved);
        for (int i = 0; i < 1000; i++) {
            port.inject(message(XsMessageType.WATCH_EVENT, 0, "only-a-path\0"));
        }
        client.read("/round-trip");
        assertEquals(1000, connection.statistics().malformedMessages());
        assertEquals(5, warnings.get(), "five lines for a thousand bad events");
    }

    @Test
    void aDroppedConnectionIsReportedAndFailsEveryRequestWithItsCause() throws Exception {
        CountDownLatch unanswered = new CountDownLatch(1);
        HostileXenStore port = connect(request -> {
            if (request.text().startsWith("never")) {
                unanswered.countDown();
                return List.of();
            }
            return wellBehaved(request);
        });
        assertEquals("value", client.read("x"));
        CompletableFuture<XenStoreException> inFlight = CompletableFuture.supplyAsync(() -> assertThrows(
                XenStoreException.class, () -> client.read("never")));
        assertTrue(unanswered.await(BOUND_SECONDS, TimeUnit.SECONDS));
        port.close();
        XenStoreException pending = inFlight.get(BOUND_SECONDS, TimeUnit.SECONDS);
        assertEquals(XsError.EIO, pending.error());
        assertTrue(pending.getMessage().contains("the connection was closed"), pending.getMessage());
        assertTrue(connection.failure().orElseThrow().contains("the connection was closed"));
        assertEquals(connection.failure(), connection.statistics().failure());
        XenStoreException later = assertThrows(XenStoreException.class, () -> client.read("y"));
        assertTrue(later.getMessage().contains("the connection was closed"), later.getMessage());
    }
}
