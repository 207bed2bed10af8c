package org.xenpv.http.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xenpv.http.HttpRequest;
import org.xenpv.http.HttpResponse;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;

/** The server over a loopback IpStack, as clients on this machine see it. */
class ServerTest {
    private static final String HELLO = "hello, world\n";
    private static final String SECRET = "the secret outside the root\n";

    @TempDir
    Path temp;
    private Path root;
    private byte[] data;
    private LoopbackIpStack stack;
    private Handlers handlers;
    private Server server;
    private HttpClient client;

    @BeforeEach
    void files() throws IOException {
        root = Files.createDirectories(temp.resolve("site"));
        Path outside = Files.createDirectories(temp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), SECRET);
        Files.writeString(root.resolve("hello.txt"), HELLO);
        Files.writeString(root.resolve("index.html"), "<h1>xenpv</h1>\n");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/index.html"), "<p>sub</p>\n");
        data = new byte[1000];
        new Random(17).nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        Files.createSymbolicLink(root.resolve("out"), outside);
        Files.createSymbolicLink(root.resolve("secret-link.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("hello-link.txt"), root.resolve("hello.txt"));
        stack = new LoopbackIpStack();
        handlers = new Handlers();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        stack.close();
    }

    private void start(Settings settings) throws IOException {
        server = new Server(stack, settings, handlers);
    }

    private void start() throws IOException {
        start(Settings.defaults(0, java.util.Optional.of(root)));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.localAddress().getPort() + path);
    }

    private java.net.http.HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), BodyHandlers.ofByteArray());
    }

    private static String body(FullHttpResponse response) {
        return response.content().toString(StandardCharsets.UTF_8);
    }

    @Test
    void servesAFileWithItsTypeAndLength() throws Exception {
        start();
        var response = get("/hello.txt");
        assertEquals(200, response.statusCode());
        assertEquals(HELLO, new String(response.body(), StandardCharsets.UTF_8));
        assertEquals("text/plain", response.headers().firstValue("content-type").orElseThrow());
        assertEquals(String.valueOf(HELLO.length()), response.headers().firstValue("content-length").orElseThrow());
        assertEquals("bytes", response.headers().firstValue("accept-ranges").orElseThrow());
        assertTrue(response.headers().firstValue("last-modified").isPresent());

        var index = get("/");
        assertEquals(200, index.statusCode());
        assertEquals("text/html", index.headers().firstValue("content-type").orElseThrow());
        assertEquals("<p>sub</p>\n", new String(get("/sub/").body(), StandardCharsets.UTF_8));
        assertEquals("application/octet-stream", get("/data.bin").headers().firstValue("content-type").orElseThrow());
    }

    @Test
    void keepAliveServesTwoRequestsOnOneConnectionAndClosesWhenAsked() throws Exception {
        start();
        try (RawClient raw = new RawClient(server.localAddress())) {
            FullHttpResponse first = raw.send(RawClient.request(HttpMethod.GET, "/hello.txt")).next();
            assertEquals(200, first.status().code());
            assertEquals(HELLO, body(first));
            assertTrue(HttpUtil.isKeepAlive(first));
            first.release();

            DefaultFullHttpRequest last = RawClient.request(HttpMethod.GET, "/data.bin");
            last.headers().set(HttpHeaderNames.CONNECTION, "close");
            FullHttpResponse second = raw.send(last).next();
            assertEquals(200, second.status().code());
            assertArrayEquals(data, ByteBufUtil.getBytes(second.content()));
            assertEquals("close", second.headers().get(HttpHeaderNames.CONNECTION));
            second.release();
            assertTrue(raw.closedByServer());
        }
        assertEquals(1, stack.accepted(), "both requests came on one connection");
        assertEquals(2, server.requests());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        start();
        try (RawClient raw = new RawClient(server.localAddress())) {
            raw.sendRaw("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n");
            List<Integer> statuses = new ArrayList<>();
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                FullHttpResponse response = raw.next();
                statuses.add(response.status().code());
                bodies.add(body(response));
                response.release();
            }
            assertEquals(List.of(200, 404, 200), statuses);
            assertEquals(HELLO, bodies.get(0));
            assertEquals("<p>sub</p>\n", bodies.get(2));
        }
    }

    @Test
    void headSendsTheHeadersOfGetWithoutTheBody() throws Exception {
        start();
        var head = client.send(java.net.http.HttpRequest.newBuilder(uri("/data.bin"))
                .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build(), BodyHandlers.ofByteArray());
        assertEquals(200, head.statusCode());
        assertEquals("1000", head.headers().firstValue("content-length").orElseThrow());
        assertEquals(0, head.body().length);
        // On one connection: had the HEAD's 1000 bytes been sent, they would stand where the GET's answer is.
        try (RawClient raw = new RawClient(server.localAddress())) {
            raw.send(RawClient.request(HttpMethod.HEAD, "/data.bin"));
            raw.send(RawClient.request(HttpMethod.GET, "/hello.txt"));
            FullHttpResponse first = raw.next();
            assertEquals(200, first.status().code());
            assertEquals(1000, HttpUtil.getContentLength(first));
            assertEquals(0, first.content().readableBytes());
            first.release();
            FullHttpResponse second = raw.next();
            assertEquals(HELLO, body(second));
            second.release();
        }
    }

    @Test
    void singleRangesGetTheirBytesWith206() throws Exception {
        start();
        var middle = get("/data.bin", "Range", "bytes=10-19");
        assertEquals(206, middle.statusCode());
        assertEquals("bytes 10-19/1000", middle.headers().firstValue("content-range").orElseThrow());
        assertEquals("10", middle.headers().firstValue("content-length").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(data, 10, 20), middle.body());

        var tail = get("/data.bin", "Range", "bytes=990-");
        assertEquals(206, tail.statusCode());
        assertEquals("bytes 990-999/1000", tail.headers().firstValue("content-range").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(data, 990, 1000), tail.body());

        var suffix = get("/data.bin", "Range", "bytes=-5");
        assertEquals(206, suffix.statusCode());
        assertEquals("bytes 995-999/1000", suffix.headers().firstValue("content-range").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(data, 995, 1000), suffix.body());

        var past = get("/data.bin", "Range", "bytes=900-5000");
        assertEquals(206, past.statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 900, 1000), past.body());
    }

    @Test
    void unsatisfiableRangesGet416AndOthersTheWholeFile() throws Exception {
        start();
        for (String range : List.of("bytes=1000-", "bytes=2000-3000", "bytes=-0")) {
            var response = get("/data.bin", "Range", range);
            assertEquals(416, response.statusCode(), range);
            assertEquals("bytes */1000", response.headers().firstValue("content-range").orElseThrow(), range);
        }
        for (String range : List.of("bytes=0-1,5-6", "bytes=9-3", "items=0-1", "bytes=x-")) {
            var response = get("/data.bin", "Range", range);
            assertEquals(200, response.statusCode(), range);
            assertArrayEquals(data, response.body(), range);
        }
        var stale = get("/data.bin", "Range", "bytes=0-1", "If-Range", "Mon, 01 Jan 2001 00:00:00 GMT");
        assertEquals(200, stale.statusCode(), "a Range for another version of the file");
        assertArrayEquals(data, stale.body());
        String lastModified = stale.headers().firstValue("last-modified").orElseThrow();
        var current = get("/data.bin", "Range", "bytes=0-1", "If-Range", lastModified);
        assertEquals(206, current.statusCode());
    }

    @Test
    void missingFilesAre404AndOtherMethods405() throws Exception {
        start();
        assertEquals(404, get("/nothing-here.txt").statusCode());
        assertEquals(404, get("/sub/nothing/").statusCode());
        var post = client.send(java.net.http.HttpRequest.newBuilder(uri("/hello.txt"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build(), BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElseThrow());
        var delete = client.send(java.net.http.HttpRequest.newBuilder(uri("/hello.txt")).DELETE().build(),
                BodyHandlers.ofString());
        assertEquals(405, delete.statusCode());
    }

    @Test
    void malformedRequestsGet400AndTheConnectionCloses() throws Exception {
        start();
        for (String request : List.of("this is not http\r\n\r\n", "GET /hello.txt HTTP/1.1\r\n\r\n",
                "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "GET hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")) {
            try (RawClient raw = new RawClient(server.localAddress())) {
                FullHttpResponse response = raw.sendRaw(request).next();
                assertEquals(400, response.status().code(), request);
                assertEquals("close", response.headers().get(HttpHeaderNames.CONNECTION), request);
                response.release();
                assertTrue(raw.closedByServer(), request);
            }
        }
        try (RawClient raw = new RawClient(server.localAddress())) {
            FullHttpResponse response = raw.sendRaw("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .next();
            assertEquals(414, response.status().code());
            response.release();
        }
        try (RawClient raw = new RawClient(server.localAddress())) {
            FullHttpResponse response = raw.sendRaw("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000)
                    + "\r\n\r\n").next();
            assertEquals(431, response.status().code());
            response.release();
        }
        // HTTP/1.0 needs no Host, and the absolute form names a path too.
        try (RawClient raw = new RawClient(server.localAddress())) {
            FullHttpResponse response = raw.sendRaw("GET http://example/hello.txt HTTP/1.0\r\n\r\n").next();
            assertEquals(200, response.status().code());
            assertEquals(HELLO, body(response));
            response.release();
        }
    }

    @Test
    void noPathLeavesTheRoot() throws Exception {
        start();
        Map<String, Integer> attempts = Map.of(
                "/../outside/secret.txt", 400,
                "/sub/../../outside/secret.txt", 400,
                "/%2e%2e/outside/secret.txt", 400,
                "/..%2foutside%2fsecret.txt", 400,
                "/sub/..%2F..%2Foutside/secret.txt", 400,
                "/out/secret.txt", 404,
                "/secret-link.txt", 404,
                "//" + temp.resolve("outside/secret.txt"), 404,
                "/%00hello.txt", 400);
        for (Map.Entry<String, Integer> attempt : attempts.entrySet()) {
            try (RawClient raw = new RawClient(server.localAddress())) {
                FullHttpResponse response = raw.send(RawClient.request(HttpMethod.GET, attempt.getKey())).next();
                assertEquals(attempt.getValue(), response.status().code(), attempt.getKey());
                assertFalse(body(response).contains("secret"), attempt.getKey());
                response.release();
            }
        }
        assertEquals(HELLO, new String(get("/hello-link.txt").body(), StandardCharsets.UTF_8),
                "a link to a file inside the root is served");
    }

    @Test
    void handlersAnswerUnderTheirPrefixAndTheLongestPrefixWins() throws Exception {
        AtomicReference<HttpRequest> seen = new AtomicReference<>();
        handlers.add(new Handlers.Entry("/api", 0, 1, request -> {
            seen.set(request);
            return new HttpResponse(201, Map.of("Content-Type", "text/plain", "X-Seen", request.path(),
                    "Content-Length", "999"), ("api " + request.method() + " " + new String(request.body(),
                            StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        }));
        handlers.add(new Handlers.Entry("/api/special", 0, 2, request -> HttpResponse.text(200, "special")));
        handlers.add(new Handlers.Entry("/hello.txt", 0, 3, request -> HttpResponse.text(200, "not the file")));
        start();

        var response = client.send(java.net.http.HttpRequest.newBuilder(uri("/api/items?id=3&id=4&q=a%20b"))
                .header("X-Mine", "yes").POST(java.net.http.HttpRequest.BodyPublishers.ofString("body!")).build(),
                BodyHandlers.ofString());
        assertEquals(201, response.statusCode());
        assertEquals("api POST body!", response.body());
        assertEquals("/api/items", response.headers().firstValue("x-seen").orElseThrow());
        assertEquals(String.valueOf("api POST body!".length()),
                response.headers().firstValue("content-length").orElseThrow(), "the server sets the length");
        HttpRequest request = seen.get();
        assertEquals("/api/items?id=3&id=4&q=a%20b", request.uri());
        assertEquals(List.of("3", "4"), request.parameters().get("id"));
        assertEquals("a b", request.parameter("q").orElseThrow());
        assertEquals("yes", request.header("x-MINE").orElseThrow());
        assertEquals("127.0.0.1", request.remote().getAddress().getHostAddress());

        assertEquals("special", new String(get("/api/special/x").body(), StandardCharsets.UTF_8));
        assertEquals("not the file", new String(get("/hello.txt").body(), StandardCharsets.UTF_8));
        assertEquals(201, get("/api").statusCode());
        assertEquals(404, get("/apis").statusCode(), "a prefix matches whole segments");

        handlers.remove(3);
        assertEquals(HELLO, new String(get("/hello.txt").body(), StandardCharsets.UTF_8));
    }

    @Test
    void aFailingHandlerGets500AndTheConnectionGoesOn() throws Exception {
        handlers.add(new Handlers.Entry("/boom", 0, 1, request -> {
            throw new IllegalStateException("boom");
        }));
        handlers.add(new Handlers.Entry("/null", 0, 2, request -> null));
        handlers.add(new Handlers.Entry("/crlf", 0, 3,
                request -> new HttpResponse(200, Map.of("X-Bad", "a\r\nSet-Cookie: evil"), new byte[0])));
        start();
        try (RawClient raw = new RawClient(server.localAddress())) {
            for (String path : List.of("/boom", "/null", "/crlf", "/hello.txt")) {
                FullHttpResponse response = raw.send(RawClient.request(HttpMethod.GET, path)).next();
                assertEquals(path.equals("/hello.txt") ? 200 : 500, response.status().code(), path);
                assertFalse(response.headers().contains("Set-Cookie"), path);
                response.release();
            }
        }
        assertEquals(1, stack.accepted());
    }

    @Test
    void headToAHandlerSendsItsLengthWithoutItsBody() throws Exception {
        handlers.add(new Handlers.Entry("/", 0, 1, request -> HttpResponse.text(200, "0123456789")));
        start();
        try (RawClient raw = new RawClient(server.localAddress())) {
            raw.send(RawClient.request(HttpMethod.HEAD, "/x")).send(RawClient.request(HttpMethod.GET, "/y"));
            FullHttpResponse head = raw.next();
            assertEquals(10, HttpUtil.getContentLength(head));
            assertEquals(0, head.content().readableBytes());
            head.release();
            FullHttpResponse get = raw.next();
            assertEquals("0123456789", body(get));
            get.release();
        }
    }

    @Test
    void aBodyOverTheLimitGets413() throws Exception {
        handlers.add(new Handlers.Entry("/upload", 0, 1, request -> HttpResponse.text(200, "took "
                + request.body().length)));
        start(Settings.defaults(0, java.util.Optional.of(root)).withMaxRequestBody(100));
        var small = client.send(java.net.http.HttpRequest.newBuilder(uri("/upload"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("x".repeat(100))).build(),
                BodyHandlers.ofString());
        assertEquals("took 100", small.body());
        try (RawClient raw = new RawClient(server.localAddress())) {
            DefaultFullHttpRequest large = RawClient.request(HttpMethod.POST, "/upload");
            large.content().writeBytes(new byte[101]);
            HttpUtil.setContentLength(large, 101);
            FullHttpResponse response = raw.send(large).next();
            assertEquals(413, response.status().code());
            response.release();
        }
    }

    @Test
    void thirtyTwoClientsGetA16MiBFileIntact() throws Exception {
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        Random random = new Random(32);
        byte[] block = new byte[1 << 20];
        try (OutputStream file = Files.newOutputStream(root.resolve("big.bin"))) {
            for (int i = 0; i < 16; i++) {
                random.nextBytes(block);
                file.write(block);
                expected.update(block);
            }
        }
        String sha256 = HexFormat.of().formatHex(expected.digest());
        start();
        // The JVM's heap (-Xmx128m, see the pom) is far below 32 x 16 MiB: bodies must be streamed both ways.
        int clients = 32;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<String>> digests = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                digests.add(pool.submit(() -> {
                    var response = client.send(java.net.http.HttpRequest.newBuilder(uri("/big.bin"))
                            .timeout(Duration.ofSeconds(120)).build(), BodyHandlers.ofInputStream());
                    assertEquals(200, response.statusCode());
                    assertEquals(String.valueOf(16 << 20), response.headers().firstValue("content-length")
                            .orElseThrow());
                    MessageDigest digest = MessageDigest.getInstance("SHA-256");
                    try (InputStream body = response.body()) {
                        byte[] buffer = new byte[64 * 1024];
                        int n;
                        while ((n = body.read(buffer)) > 0) {
                            digest.update(buffer, 0, n);
                        }
                    }
                    return HexFormat.of().formatHex(digest.digest());
                }));
            }
            for (Future<String> digest : digests) {
                assertEquals(sha256, digest.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(clients, server.requests());
        assertTrue(stack.accepted() >= 2, "the clients came on several connections: " + stack.accepted());
    }

    @Test
    void connectionsBeyondTheMaximumWaitUntilOneCloses() throws Exception {
        start(Settings.defaults(0, java.util.Optional.of(root)).withMaxConnections(1));
        try (RawClient first = new RawClient(server.localAddress());
                RawClient second = new RawClient(server.localAddress())) {
            FullHttpResponse response = first.send(RawClient.request(HttpMethod.GET, "/hello.txt")).next();
            assertEquals(200, response.status().code());
            response.release();
            second.send(RawClient.request(HttpMethod.GET, "/hello.txt"));
            assertFalse(second.answersWithin(500), "the second connection was served beside the first");
            assertEquals(1, stack.accepted());
            first.close();
            response = second.next();
            assertEquals(HELLO, body(response));
            response.release();
        }
        assertEquals(2, stack.accepted());
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        start(Settings.defaults(0, java.util.Optional.of(root)).withIdleTimeout(Duration.ofMillis(300)));
        try (RawClient raw = new RawClient(server.localAddress())) {
            FullHttpResponse response = raw.send(RawClient.request(HttpMethod.GET, "/hello.txt")).next();
            response.release();
            assertTrue(raw.closedByServer());
        }
        waitFor("the connection's thread to end", () -> serverThreads().size() == 1);
    }

    @Test
    void aRootThatIsNotADirectoryIsRefusedWithoutListening() throws Exception {
        for (Path bad : List.of(temp.resolve("missing"), root.resolve("hello.txt"))) {
            IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> new Server(stack, Settings.defaults(0, java.util.Optional.of(bad)), handlers));
            assertTrue(refused.getMessage().contains("the root " + bad), refused.getMessage());
        }
        assertEquals(0, stack.openSockets());
    }

    @Test
    void closingEndsEveryConnectionAndThread() throws Exception {
        start();
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawClient raw = new RawClient(server.localAddress());
                clients.add(raw);
                raw.send(RawClient.request(HttpMethod.GET, "/hello.txt")).next().release();
            }
            // One more that has sent half a request.
            RawClient partial = new RawClient(server.localAddress());
            clients.add(partial);
            partial.sendRaw("GET /hello.txt HTTP/1.1\r\nHo");
            // a connection counts as open just before its thread starts
            waitFor("four connections served, each on its thread beside the accept thread",
                    () -> server.openConnections() == 4 && serverThreads().size() == 5);

            server.close();
            assertEquals(List.of(), serverThreads());
            assertEquals(0, server.openConnections());
            assertEquals(0, stack.openSockets(), "a socket is left open");
            for (RawClient raw : clients) {
                assertTrue(raw.closedByServer());
            }
        } finally {
            for (RawClient raw : clients) {
                raw.close();
            }
        }
    }

    @Test
    void theStackGoingAwayEndsEveryConnectionAndThread() throws Exception {
        start();
        try (RawClient raw = new RawClient(server.localAddress())) {
            raw.send(RawClient.request(HttpMethod.GET, "/hello.txt")).next().release();
            waitFor("one connection served", () -> server.openConnections() == 1);
            stack.close();
            waitFor("no server thread left", () -> serverThreads().isEmpty());
            assertTrue(raw.closedByServer());
        }
        server.close(); // as the component's deactivation does after its IpStack went
        assertEquals(List.of(), serverThreads());
    }

    private List<String> serverThreads() {
        String prefix = "xenpv-http-" + server.localAddress().getPort() + "-";
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith(prefix)).sorted().toList();
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
