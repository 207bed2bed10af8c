package org.xenpv.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Hashtable;
import java.util.List;

import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * The http bundle in the distribution: feature xenpv-http brings it with the
 * stack's feature and Netty's codec bundles, all active; a configuration of
 * org.xenpv.http serves files and a handler service once an IpStack matches
 * its stack.target, and goes with that IpStack, its configuration or its
 * bundle, leaving no thread.
 *
 * <p>lwIP is not needed here: the probe registers an IpStack over the JDK's
 * loopback sockets. Serving over lwIP is the end-to-end test's.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HttpIT extends XenpvTestSupport {
    private static final List<String> BUNDLES = List.of("org.xenpv.http", "org.xenpv.stack.lwip", "io.netty.common",
            "io.netty.buffer", "io.netty.resolver", "io.netty.transport", "io.netty.transport-native-unix-common",
            "io.netty.codec", "io.netty.handler", "io.netty.codec-http");

    /** The distribution: xenpv-stack-lwip, which xenpv-http brings, needs the Nic services that netfront offers. */
    @Configuration
    public Option[] config() {
        return xenpvDistribution();
    }

    private void install() throws Exception {
        if (!featuresService.isInstalled(featuresService.getFeature("xenpv-http"))) {
            featuresService.installFeature("xenpv-http", EnumSet.of(FeaturesService.Option.NoAutoRefreshBundles));
        }
    }

    @Test
    public void theFeatureStartsTheBundleAndNettysCodecAndUninstallsCleanly() throws Exception {
        install();
        for (String name : BUNDLES) {
            Bundle bundle = bundle(name);
            assertNotNull(name + " was not installed by xenpv-http", bundle);
            assertEquals(name + " is not active", Bundle.ACTIVE, bundle.getState());
        }
        featuresService.uninstallFeature("xenpv-http", EnumSet.of(FeaturesService.Option.NoAutoRefreshBundles));
        for (String name : BUNDLES) {
            assertNull(name + " is left behind after uninstalling xenpv-http", bundle(name));
        }
    }

    @Test
    public void aConfigurationServesOverItsIpStackAndGoesWithIt() throws Exception {
        install();
        Path root = Files.createTempDirectory("xenpv-httpit");
        Files.writeString(root.resolve("index.html"), "<h1>xenpv in Karaf</h1>\n");
        Hashtable<String, Object> stackProperties = new Hashtable<>();
        stackProperties.put("nic.device", "httpit-0");
        stackProperties.put("ip.address", "127.0.0.1");
        ServiceRegistration<?> stack = bundleContext.registerService("org.xenpv.stack.lwip.IpStack",
                new LoopbackIpStack(), stackProperties);
        executeCommand("config:edit --factory --alias httpit org.xenpv.http\n"
                + "config:property-set stack.target \"(nic.device=httpit-0)\"\n"
                + "config:property-set port 0\n"
                + "config:property-set root " + root + "\n"
                + "config:property-set httpit true\n"
                + "config:update");
        try {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI index = URI.create("http://127.0.0.1:" + waitForServer() + "/");
            var page = client.send(HttpRequest.newBuilder(index).timeout(Duration.ofSeconds(20)).build(),
                    BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertEquals("<h1>xenpv in Karaf</h1>\n", page.body());

            Hashtable<String, Object> handlerProperties = new Hashtable<>();
            handlerProperties.put("xenpv.http.path", "/hello");
            ServiceRegistration<?> handler = bundleContext.registerService("org.xenpv.http.HttpHandler",
                    new HelloHandler(), handlerProperties);
            var hello = client.send(HttpRequest.newBuilder(index.resolve("/hello?name=karaf")).build(),
                    BodyHandlers.ofString());
            assertEquals("hello, karaf\n", hello.body());
            handler.unregister();
            assertEquals(404, client.send(HttpRequest.newBuilder(index.resolve("/hello")).build(),
                    BodyHandlers.ofString()).statusCode());

            stack.unregister();
            stack = null;
            waitFor("the server to go with its IpStack", () -> serverPort() == 0);
            waitFor("no xenpv-http thread left " + httpThreads(), () -> httpThreads().isEmpty());

            stack = bundleContext.registerService("org.xenpv.stack.lwip.IpStack", new LoopbackIpStack(),
                    stackProperties);
            int port = waitForServer();
            assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .build(), BodyHandlers.ofString()).statusCode());

            Bundle http = bundle("org.xenpv.http");
            http.stop();
            assertEquals("the server is left after its bundle stopped", 0, serverPort());
            waitFor("no xenpv-http thread left " + httpThreads(), () -> httpThreads().isEmpty());
            http.start();
            port = waitForServer();
            assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .build(), BodyHandlers.ofString()).statusCode());
        } finally {
            deleteConfiguration();
            waitFor("the server to go with its configuration", () -> serverPort() == 0);
            waitFor("no xenpv-http thread left " + httpThreads(), () -> httpThreads().isEmpty());
            if (stack != null) {
                stack.unregister();
            }
        }
    }

    private void deleteConfiguration() throws Exception {
        String listed = executeCommand("config:list \"(httpit=true)\"");
        for (String line : listed.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("Pid:")) {
                executeCommand("config:delete " + trimmed.substring("Pid:".length()).trim());
            }
        }
    }

    /** The port the server listens on, once it is registered. */
    private int waitForServer() throws InterruptedException {
        waitFor("the HTTP server service", () -> serverPort() != 0);
        return serverPort();
    }

    private int serverPort() {
        try {
            ServiceReference<?>[] references = bundleContext.getAllServiceReferences("org.xenpv.http.HttpServer", null);
            if (references == null) {
                return 0;
            }
            Object server = bundleContext.getService(references[0]);
            try {
                return server == null ? 0 : ((org.xenpv.http.HttpServer) server).localAddress().getPort();
            } finally {
                bundleContext.ungetService(references[0]);
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> httpThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("xenpv-http-")).sorted().toList();
    }

    /** Answers hello with the name it is given. */
    private static final class HelloHandler implements org.xenpv.http.HttpHandler {
        @Override
        public org.xenpv.http.HttpResponse handle(org.xenpv.http.HttpRequest request) {
            return org.xenpv.http.HttpResponse.text(200, "hello, " + request.parameter("name").orElse("?") + "\n");
        }
    }
}
