package org.xenpv.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Hashtable;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.xenpv.http.HttpHandler;
import org.xenpv.http.HttpResponse;
import org.xenpv.http.HttpServer;
import org.xenpv.stack.lwip.IpStack;
import org.xenpv.stack.lwip.TcpConnection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The http bundle over lwIP in the distribution: a server on the stack of
 * vif-0 (198.51.100.1, TEST-NET-2), a client on the stack of vif-1, across
 * netfront and the simulated netback. Two requests on one connection (a file
 * and a handler), 32 clients fetching the file at once, then the server goes
 * with its stack's configuration and leaves no thread. Needs Debian's
 * liblwip0, as LwipStackIT does.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HttpLwipIT extends XenpvTestSupport {
    private static final String[] ADDRESSES = {"198.51.100.1", "198.51.100.2"};
    private static final int CONCURRENT = 32;

    /** With the feature from the start: the probe's class refers to the stack's and the server's API. */
    @Configuration
    public Option[] config() {
        return xenpvDistributionWith("xenpv-http");
    }

    @Before
    public void configure() throws Exception {
        requireLwip();
        for (int i = 0; i < 2; i++) {
            executeCommand("config:edit --factory --alias httplwipit" + i + " org.xenpv.stack.lwip\n"
                    + "config:property-set nic.target \"(nic.device=vif-" + i + ")\"\n"
                    + "config:property-set address " + ADDRESSES[i] + "/24\n"
                    + "config:property-set httplwipit true\n"
                    + "config:update");
        }
    }

    @Test
    public void filesAndAHandlerAcrossTheSimulatedHost() throws Exception {
        Path root = Files.createTempDirectory("xenpv-httplwipit");
        byte[] data = new byte[1 << 20];
        new Random(80).nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        executeCommand("config:edit --factory --alias httplwipit org.xenpv.http\n"
                + "config:property-set stack.target \"(nic.device=vif-0)\"\n"
                + "config:property-set root " + root + "\n"
                + "config:property-set httplwipit true\n"
                + "config:update");
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(HttpHandler.PROPERTY_PATH, "/hello");
        ServiceRegistration<HttpHandler> handler = bundleContext.registerService(HttpHandler.class,
                request -> HttpResponse.text(200, "hello from " + request.remote().getAddress().getHostAddress()),
                properties);
        try {
            waitFor("the HTTP server on vif-0", () -> service(HttpServer.class, null) != null);
            assertEquals(80, service(HttpServer.class, null).localAddress().getPort());
            IpStack client = service(IpStack.class, "(nic.device=vif-1)");
            assertTrue("no stack on vif-1", client != null);

            EmbeddedChannel codec = new EmbeddedChannel(new HttpClientCodec(), new HttpObjectAggregator(4 << 20));
            try (TcpConnection connection = client.connect(new InetSocketAddress(ADDRESSES[0], 80),
                    Duration.ofSeconds(30))) {
                connection.setReadTimeout(Duration.ofSeconds(60));
                DefaultFullHttpRequest file = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                        "/data.bin");
                file.headers().set(HttpHeaderNames.HOST, ADDRESSES[0]);
                DefaultFullHttpRequest hello = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                        "/hello");
                hello.headers().set(HttpHeaderNames.HOST, ADDRESSES[0]).set(HttpHeaderNames.CONNECTION, "close");
                codec.writeOutbound(file, hello);
                ByteBuf bytes;
                while ((bytes = codec.readOutbound()) != null) {
                    bytes.readBytes(connection.output(), bytes.readableBytes());
                    bytes.release();
                }
                // Connection: close on the second request: the server's end of stream ends the reading.
                InputStream in = connection.input();
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    codec.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
                }
            }
            FullHttpResponse first = codec.readInbound();
            assertEquals(200, first.status().code());
            assertArrayEquals(data, ByteBufUtil.getBytes(first.content()));
            first.release();
            FullHttpResponse second = codec.readInbound();
            assertEquals("hello from " + ADDRESSES[1], second.content().toString(StandardCharsets.UTF_8));
            second.release();
            codec.finishAndReleaseAll();

            ExecutorService clients = Executors.newFixedThreadPool(CONCURRENT);
            try {
                List<Future<byte[]>> downloads = new ArrayList<>();
                for (int i = 0; i < CONCURRENT; i++) {
                    downloads.add(clients.submit(() -> fetch(client, "/data.bin")));
                }
                for (Future<byte[]> download : downloads) {
                    assertArrayEquals(data, download.get(120, TimeUnit.SECONDS));
                }
            } finally {
                clients.shutdownNow();
            }

            deleteConfigurations("org.xenpv.stack.lwip");
            waitFor("the server to go with its stack", () -> service(HttpServer.class, null) == null);
            waitFor("no xenpv-http thread left", () -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(thread -> thread.isAlive() && thread.getName().startsWith("xenpv-http-")));
        } finally {
            handler.unregister();
            deleteConfigurations("org.xenpv.http");
            deleteConfigurations("org.xenpv.stack.lwip");
        }
    }

    /** One GET on its own connection, closed by the server after the answer. */
    private static byte[] fetch(IpStack client, String path) throws Exception {
        EmbeddedChannel codec = new EmbeddedChannel(new HttpClientCodec(), new HttpObjectAggregator(4 << 20));
        try (TcpConnection connection = client.connect(new InetSocketAddress(ADDRESSES[0], 80),
                Duration.ofSeconds(30))) {
            connection.setReadTimeout(Duration.ofSeconds(60));
            DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
            request.headers().set(HttpHeaderNames.HOST, ADDRESSES[0]).set(HttpHeaderNames.CONNECTION, "close");
            codec.writeOutbound(request);
            ByteBuf bytes;
            while ((bytes = codec.readOutbound()) != null) {
                bytes.readBytes(connection.output(), bytes.readableBytes());
                bytes.release();
            }
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = connection.input().read(buffer)) >= 0) {
                codec.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
            }
            FullHttpResponse response = codec.readInbound();
            try {
                assertEquals(200, response.status().code());
                return ByteBufUtil.getBytes(response.content());
            } finally {
                response.release();
            }
        } finally {
            codec.finishAndReleaseAll();
        }
    }

    private <T> T service(Class<T> type, String filter) {
        try {
            Collection<ServiceReference<T>> references = bundleContext.getServiceReferences(type, filter);
            return references.isEmpty() ? null : bundleContext.getService(references.iterator().next());
        } catch (Exception e) {
            return null;
        }
    }

    private void deleteConfigurations(String factoryPid) throws Exception {
        String listed = executeCommand("config:list \"(&(service.factoryPid=" + factoryPid + ")(httplwipit=true))\"");
        for (String line : listed.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("Pid:")) {
                executeCommand("config:delete " + trimmed.substring("Pid:".length()).trim());
            }
        }
    }
}
