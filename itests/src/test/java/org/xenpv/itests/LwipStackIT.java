package org.xenpv.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
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
import org.xenpv.stack.lwip.IpStack;
import org.xenpv.stack.lwip.StackClosedException;
import org.xenpv.stack.lwip.TcpConnection;
import org.xenpv.stack.lwip.TcpListener;

/**
 * The in-JVM IP stack in the distribution: lwIP stacks on vif-0 and vif-1
 * (198.51.100.0/24, TEST-NET-2) reach each other across netfront and the
 * simulated netback: TCP both ways and ip:ping from the console. Removing the
 * feature closes every socket: a thread blocked in accept is woken. Needs
 * Debian's liblwip0 (./test.sh installs it; CI must run this test).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LwipStackIT extends XenpvTestSupport {
    private static final String[] ADDRESSES = {"198.51.100.1", "198.51.100.2"};

    /** With the feature from the start: the probe's class refers to the stack's API, resolved when it loads. */
    @Configuration
    public Option[] config() {
        return xenpvDistributionWith("xenpv-stack-lwip");
    }

    @Before
    public void configure() throws Exception {
        requireLwip();
        executeCommand("feature:install xenpv-stack-lwip");
        configureLwipStacks("lwipit", ADDRESSES);
    }

    private IpStack stack(String nic) throws Exception {
        waitFor("the IP stack on " + nic, () -> find(nic) != null);
        return find(nic);
    }

    private IpStack find(String nic) {
        try {
            Collection<ServiceReference<IpStack>> references = bundleContext.getServiceReferences(IpStack.class,
                    "(nic.device=" + nic + ")");
            return references.isEmpty() ? null : bundleContext.getService(references.iterator().next());
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    public void twoStacksTalkAcrossTheSimulatedHostAndGoWithTheirFeature() throws Exception {
        IpStack server = stack("vif-0");
        IpStack client = stack("vif-1");
        assertEquals(IpStack.State.RUNNING, server.state());
        byte[] payload = new byte[1 << 20];
        new Random(7).nextBytes(payload);
        try (TcpListener listener = server.listen(8080, 4)) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (TcpConnection connection = listener.accept(Duration.ofSeconds(60))) {
                    connection.setReadTimeout(Duration.ofSeconds(60));
                    byte[] all = connection.input().readAllBytes();
                    connection.output().write(("got " + all.length).getBytes());
                    return all;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            String sockets = executeCommand("ip:sockets --no-format");
            assertTrue(sockets, sockets.contains("listening") && sockets.contains(":8080"));
            try (TcpConnection connection = client.connect(new InetSocketAddress(ADDRESSES[0], 8080),
                    Duration.ofSeconds(30))) {
                connection.setReadTimeout(Duration.ofSeconds(60));
                connection.output().write(payload);
                connection.shutdownOutput();
                InputStream answer = connection.input();
                assertEquals("got " + payload.length, new String(answer.readAllBytes()));
            }
            assertArrayEquals(payload, received.get(60, TimeUnit.SECONDS));
        }
        String ping = executeCommand("ip:ping --nic vif-1 -c 2 " + ADDRESSES[0]);
        assertTrue(ping, ping.contains("2 received"));
        String list = executeCommand("ip:list --no-format");
        assertTrue(list, list.contains(ADDRESSES[0] + "/24") && list.contains("RUNNING"));
        assertTrue(client.ping(InetAddress.getByName(ADDRESSES[0]), Duration.ofSeconds(10)).isPresent());

        TcpListener waiting = server.listen(8081, 1);
        CompletableFuture<Throwable> accepting = CompletableFuture.supplyAsync(() -> {
            try {
                waiting.accept(Duration.ZERO);
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        // loaded before the uninstall takes the bundle (and the probe's wire to its package) away
        Class<StackClosedException> closed = StackClosedException.class;
        executeCommand("feature:uninstall xenpv-stack-lwip");
        Throwable woken = accepting.get(30, TimeUnit.SECONDS);
        assertTrue("accept ended with " + woken, closed.isInstance(woken));
        waitFor("the stacks' services gone", () -> find("vif-0") == null && find("vif-1") == null);
        assertEquals(IpStack.State.CLOSED, server.state());
    }
}
