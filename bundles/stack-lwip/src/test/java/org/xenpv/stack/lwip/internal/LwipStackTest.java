package org.xenpv.stack.lwip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xenpv.net.FrameReceiver;
import org.xenpv.net.tap.NetNamespace;
import org.xenpv.stack.lwip.IpStack;
import org.xenpv.stack.lwip.StackClosedException;
import org.xenpv.stack.lwip.TcpConnection;
import org.xenpv.stack.lwip.TcpListener;
import org.xenpv.stack.lwip.UdpSocket;

/**
 * The stack against the Linux kernel: the stack's Nic is a TAP interface whose other end is in a
 * network namespace, where the kernel's own ping, curl and nc are the peers. Needs root (CI runs
 * these); elsewhere they are skipped, saying so.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LwipStackTest {
    private static final String KERNEL = "192.0.2.1";
    private static final String STACK = "192.0.2.2";
    private NetNamespace namespace;
    private TapNic nic;
    private LwipStack stack;

    @BeforeEach
    void start() throws Exception {
        LwipAbiConformanceTest.requireLwip();
        namespace = NetNamespace.create("lwip");
        nic = new TapNic("xlwip" + ProcessHandle.current().pid() % 100000);
        namespace.adopt(nic.interfaceName());
        namespace.exec("ip", "addr", "add", KERNEL + "/24", "dev", nic.interfaceName());
        namespace.exec("ip", "link", "set", nic.interfaceName(), "up");
        StackAddress address = StackAddress.parse(STACK + "/24", "");
        stack = new LwipStack(nic, address.address(), address.prefixLength(), address.gateway());
        assertEquals(IpStack.State.RUNNING, stack.state(), () -> stack.failure().orElse(""));
    }

    @AfterEach
    void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
        if (nic != null) {
            nic.close();
        }
        if (namespace != null) {
            namespace.close();
        }
    }

    @Test
    void theKernelPingsTheStackOverIpv4AndIpv6LinkLocal() throws Exception {
        namespace.exec("ping", "-c", "3", "-i", "0.2", "-W", "5", STACK);
        // the link-local address is tentative until duplicate address detection has run (about a second)
        String linkLocal = stack.linkLocalAddress().getHostAddress().replaceAll("%.*", "");
        NetNamespace.waitFor("an IPv6 echo reply from " + linkLocal, 30, () -> {
            try {
                return namespace.tryExec("ping", "-6", "-c", "1", "-W", "1", linkLocal + "%" + nic.interfaceName())
                        .exitCode() == 0;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
        assertTrue(stack.counters().fromNic() > 0 && stack.counters().toNic() > 0, stack.counters().toString());
    }

    @Test
    void theStackPingsTheKernel() throws Exception {
        Optional<Duration> rtt = stack.ping(InetAddress.getByName(KERNEL), Duration.ofSeconds(10));
        assertTrue(rtt.isPresent(), "no echo reply from the kernel");
        Optional<Duration> none = stack.ping(InetAddress.getByName("192.0.2.99"), Duration.ofMillis(500));
        assertTrue(none.isEmpty(), "an echo reply from an address nobody has");
        assertTrue(stack.sockets().isEmpty(), "the ping's socket stays open: " + stack.sockets());
    }

    @Test
    void curlInTheNamespaceDownloadsFromAListenerIntact() throws Exception {
        byte[] body = new byte[4 << 20];
        new Random(17).nextBytes(body);
        try (TcpListener listener = stack.listen(8080, 4)) {
            assertEquals(List.of("listening"), stack.sockets().stream().map(s -> s.state()).toList());
            ExecutorService server = Executors.newSingleThreadExecutor();
            Future<String> request = server.submit(() -> serveOnce(listener, body));
            String sha = namespace.exec("sh", "-c", "curl -sS --max-time 60 http://" + STACK
                    + ":8080/file | sha256sum");
            assertTrue(request.get(60, TimeUnit.SECONDS).startsWith("GET /file HTTP/1.1"));
            assertEquals(sha256(body), sha.split(" ")[0]);
            server.shutdown();
        }
        NetNamespace.waitFor("the sockets closed", 10, () -> stack.sockets().isEmpty());
    }

    private static String serveOnce(TcpListener listener, byte[] body) throws IOException {
        try (TcpConnection connection = listener.accept(Duration.ofSeconds(30))) {
            connection.setReadTimeout(Duration.ofSeconds(30));
            InputStream in = connection.input();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the request ended early: " + head);
                }
                head.write(b);
            }
            OutputStream out = connection.output();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            connection.shutdownOutput();
            assertEquals(-1, in.read(), "curl closes after the body");
            return head.toString(StandardCharsets.US_ASCII);
        }
    }

    @Test
    void theStackConnectsToTheKernelAndARefusalIsAConnectException() throws Exception {
        Process nc = namespace.start("busybox", "nc", "-l", "-p", "7000");
        try {
            byte[] message = "hello from lwIP\n".getBytes(StandardCharsets.US_ASCII);
            TcpConnection connection = connectWhenListening(new InetSocketAddress(KERNEL, 7000));
            assertEquals(InetAddress.getByName(STACK), connection.localAddress().getAddress());
            connection.output().write(message);
            connection.close();
            assertTrue(nc.waitFor(30, TimeUnit.SECONDS), "nc did not see the end of the connection");
            assertEquals("hello from lwIP", new String(nc.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                    .trim());
        } finally {
            nc.destroyForcibly();
        }
        assertThrows(ConnectException.class,
                () -> stack.connect(new InetSocketAddress(KERNEL, 7001), Duration.ofSeconds(10)));
        assertTrue(stack.sockets().isEmpty(), "sockets left open: " + stack.sockets());
    }

    private TcpConnection connectWhenListening(InetSocketAddress kernel) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return stack.connect(kernel, Duration.ofSeconds(10));
            } catch (ConnectException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(50); // nc starts listening shortly
            }
        }
    }

    @Test
    void udpDatagramsGoBothWays() throws Exception {
        try (UdpSocket socket = stack.openUdp(5353)) {
            Process nc = namespace.start("bash", "-c", "echo ping-from-kernel > /dev/udp/" + STACK + "/5353");
            ByteBuffer into = ByteBuffer.allocate(100);
            InetSocketAddress from = socket.receive(into, Duration.ofSeconds(20));
            assertEquals(InetAddress.getByName(KERNEL), from.getAddress());
            assertEquals("ping-from-kernel", new String(into.array(), 0, into.position(), StandardCharsets.US_ASCII)
                    .trim());
            nc.waitFor(10, TimeUnit.SECONDS);
        }
        assertThrows(IllegalArgumentException.class, () -> stack.openUdp(70000));
    }

    @Test
    void closingTheStackWakesABlockedAcceptAndReaderWithStackClosed() throws Exception {
        TcpListener listener = stack.listen(8081, 2);
        CompletableFuture<Throwable> accepting = CompletableFuture.supplyAsync(() -> {
            try {
                listener.accept(Duration.ZERO);
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        NetNamespace.waitFor("accept to wait", 10, () -> !accepting.isDone() && !stack.sockets().isEmpty());
        assertThrows(SocketTimeoutException.class, () -> stack.listen(8082, 1).accept(Duration.ofMillis(200)));
        stack.close();
        Throwable thrown = accepting.get(10, TimeUnit.SECONDS);
        assertInstanceOf(StackClosedException.class, thrown);
        assertTrue(stack.sockets().isEmpty(), "sockets left: " + stack.sockets());
        assertThrows(StackClosedException.class, () -> stack.listen(8083, 1));
        assertFalse(nic.hasReceiver(), "the closed stack still takes the Nic's frames");
        stack = null;
    }

    @Test
    void aDownloadGoesOnWhileItsNicIsReplaced() throws Exception {
        byte[] body = new byte[4 << 20];
        new Random(29).nextBytes(body);
        String interfaceName = stack.interfaceName();
        try (TcpListener listener = stack.listen(8080, 4)) {
            ExecutorService server = Executors.newSingleThreadExecutor();
            Future<String> request = server.submit(() -> serveOnce(listener, body));
            // 1 MB/s: the replacement lands in the middle of the 4 MiB
            Process curl = namespace.start("sh", "-c", "curl -sS --max-time 60 --limit-rate 1M http://" + STACK
                    + ":8080/file | sha256sum");
            NetNamespace.waitFor("the download under way", 20, () -> stack.counters().toNic() > 500);
            long beforeReplacing = stack.counters().toNic();
            TapNic next = replaceNic(1500);
            assertEquals(IpStack.State.DETACHED, stack.state());
            assertEquals(2, stack.sockets().size(), "the listener and the connection stay: " + stack.sockets());
            Thread.sleep(1500); // as long as a driver's update takes, about
            stack.attach(next);
            assertEquals(IpStack.State.RUNNING, stack.state());
            assertEquals(interfaceName, stack.interfaceName());
            assertTrue(curl.waitFor(60, TimeUnit.SECONDS), "curl did not end within 60 s");
            String sha = new String(curl.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertEquals(0, curl.exitValue(), new String(curl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(sha256(body), sha.split(" ")[0]);
            assertTrue(request.get(30, TimeUnit.SECONDS).startsWith("GET /file HTTP/1.1"));
            assertTrue(stack.counters().toNic() > beforeReplacing, "nothing sent on the new Nic");
            server.shutdown();
        }
    }

    @Test
    void theGoneNicIsLetGoAndTheNextGivesItsMtuAndCarriesTraffic() throws Exception {
        TapNic previous = nic;
        TapNic next = replaceNic(9000);
        assertFalse(previous.hasReceiver(), "the gone Nic still has the stack's receiver");
        assertEquals(0, previous.listenerCount(), "the gone Nic still has the stack's listener");
        assertEquals(IpStack.State.DETACHED, stack.state());
        assertEquals(0, stack.netif().transmitCapacity());
        assertTrue(stack.ping(InetAddress.getByName(KERNEL), Duration.ofMillis(500)).isEmpty(),
                "an echo reply without a Nic");
        stack.detach(previous); // again, and a Nic that is not attached: no effect
        stack.attach(next);
        assertTrue(next.hasReceiver());
        assertEquals(1, next.listenerCount());
        assertEquals(9000, stack.netif().mtu());
        assertEquals(9014, stack.netif().transmitCapacity(), "the transmit buffer fits the next Nic's largest frame");
        assertTrue(stack.ping(InetAddress.getByName(KERNEL), Duration.ofSeconds(10)).isPresent(),
                "no echo reply over the next Nic");
    }

    @Test
    void aNicThatFeedsAnotherStackLeavesItFailedUntilOneIsAttached() throws Exception {
        TapNic next = replaceNic(1500);
        FrameReceiver other = (queue, frame, offload) -> { };
        next.setReceiver(other);
        stack.attach(next);
        assertEquals(IpStack.State.FAILED, stack.state());
        assertTrue(stack.failure().orElse("").contains("another stack"), stack.failure().toString());
        assertEquals(0, next.listenerCount());
        next.clearReceiver(other);
        stack.attach(next);
        assertEquals(IpStack.State.RUNNING, stack.state());
        assertTrue(stack.failure().isEmpty());
    }

    @Test
    void closingAStackWithoutItsNicClosesItsSocketsAndLeavesNoListener() throws Exception {
        TcpListener listener = stack.listen(8084, 1);
        TapNic previous = nic;
        replaceNic(1500);
        assertEquals(1, stack.sockets().size());
        stack.close();
        assertEquals(IpStack.State.CLOSED, stack.state());
        assertThrows(StackClosedException.class, () -> listener.accept(Duration.ofMillis(100)));
        assertTrue(stack.sockets().isEmpty(), "sockets left: " + stack.sockets());
        assertFalse(previous.hasReceiver() || nic.hasReceiver(), "a Nic still has the closed stack's receiver");
        stack.attach(nic); // after close: no effect
        assertFalse(nic.hasReceiver(), "a closed stack took a Nic");
        stack = null;
    }

    /**
     * The Nic goes as a driver's update makes it go (stopped, link down, then unregistered: detached
     * from the stack), and its successor on the same wire is the test's Nic from now on, not attached yet.
     */
    private TapNic replaceNic(int nextMtu) throws Exception {
        TapNic previous = nic;
        TapNic next = previous.successor(nextMtu);
        nic = next;
        stack.detach(previous);
        previous.close();
        return next;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
