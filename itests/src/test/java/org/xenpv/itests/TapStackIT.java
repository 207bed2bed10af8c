package org.xenpv.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Assume;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.xenpv.sim.DomainAccounting;
import org.xenpv.sim.SimulatedXen;

/**
 * The TAP stack in the distribution: the two vifs become TAP interfaces,
 * each moved into a namespace of the test's own (198.51.100.0/24,
 * TEST-NET-2), and the kernels ping each other across netfront and the
 * simulated netback. Stopping netfront or the stack removes the interfaces
 * and leaves no thread, descriptor or grant; starting it brings traffic back.
 * Needs root (CI runs as root); elsewhere it is skipped, saying why.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TapStackIT extends XenpvTestSupport {
    private static final String[] INTERFACES = {"xtapit0", "xtapit1"};
    private static final String[] ADDRESSES = {"198.51.100.1", "198.51.100.2"};
    private final String[] namespaces = {"xenpv-tapit-a-" + ProcessHandle.current().pid(),
        "xenpv-tapit-b-" + ProcessHandle.current().pid()};

    @Inject
    protected SimulatedXen sim;

    @Configuration
    public Option[] config() {
        return xenpvDistribution();
    }

    @Before
    public void configure() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/net/tun"));
        if (!root && "true".equals(System.getenv("CI"))) {
            fail("TAP interfaces need root and /dev/net/tun, and CI must run this test");
        }
        Assume.assumeTrue("skipped: TAP interfaces and namespaces need root and /dev/net/tun", root);
        for (String namespace : namespaces) {
            run("ip", "netns", "del", namespace);
            check(run("ip", "netns", "add", namespace), "creating " + namespace);
        }
        executeCommand("feature:install xenpv-stack-tap");
        for (int i = 0; i < 2; i++) {
            // One session: config:edit keeps the configuration being edited in its session.
            executeCommand("config:edit --factory --alias tapit" + i + " org.xenpv.stack.tap\n"
                    + "config:property-set nic.target \"(nic.device=vif-" + i + ")\"\n"
                    + "config:property-set interface " + INTERFACES[i] + "\n"
                    + "config:update");
        }
    }

    @After
    public void cleanUp() throws Exception {
        for (Bundle bundle : List.of(bundle("org.xenpv.netfront"), bundle("org.xenpv.stack.tap"))) {
            if (bundle != null && bundle.getState() != Bundle.ACTIVE) {
                bundle.start();
            }
        }
        for (String namespace : namespaces) {
            run("ip", "netns", "del", namespace);
        }
    }

    /** Moves the interfaces (re)made in this namespace into the test's and addresses them. */
    private void placeInterfaces() throws Exception {
        for (int i = 0; i < 2; i++) {
            String name = INTERFACES[i];
            waitFor(name + " made", () -> Files.exists(Path.of("/sys/class/net", name)));
            check(run("ip", "link", "set", name, "netns", namespaces[i]), "moving " + name);
            check(inside(i, "ip", "addr", "add", ADDRESSES[i] + "/24", "dev", name), "addressing " + name);
            check(inside(i, "ip", "link", "set", name, "up"), "bringing " + name + " up");
        }
    }

    private void assertPingsCross() throws Exception {
        waitFor("a ping from " + ADDRESSES[0] + " to " + ADDRESSES[1], () -> {
            try {
                return inside(0, "ping", "-c", "1", "-W", "2", ADDRESSES[1]).startsWith("0:");
            } catch (Exception e) {
                return false;
            }
        });
        String pings = inside(1, "ping", "-c", "5", "-i", "0.2", "-W", "2", ADDRESSES[0]);
        assertTrue("five pings back: " + pings, pings.contains("5 received"));
    }

    private void assertNothingLeft(String after) throws Exception {
        for (int i = 0; i < 2; i++) {
            int index = i;
            waitFor(INTERFACES[i] + " gone " + after, () -> {
                try {
                    return !inside(index, "ip", "link", "show", "dev", INTERFACES[index]).startsWith("0:");
                } catch (Exception e) {
                    return false;
                }
            });
        }
        waitFor("no xenpv-tap thread " + after, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().startsWith("xenpv-tap-")));
        assertEquals("no descriptor of /dev/net/tun open " + after, 0, tunDescriptors());
    }

    @Test
    public void stoppingNetfrontOrTheStackRemovesTheInterfacesAndStartingThemRestoresTraffic() throws Exception {
        placeInterfaces();
        assertPingsCross();
        String list = executeCommand("tap:list --no-format");
        assertTrue(list, list.contains(INTERFACES[0]) && list.contains("RUNNING"));

        Process traffic = new ProcessBuilder("ip", "netns", "exec", namespaces[0], "ping", "-c", "2000", "-i",
                "0.002", "-W", "1", ADDRESSES[1]).redirectErrorStream(true).start();
        try {
            waitFor("traffic flowing", () -> tapListCount(INTERFACES[0]) > 10);
            bundle("org.xenpv.netfront").stop();
            assertNothingLeft("after netfront stopped");
            DomainAccounting guest = sim.accounting(sim.guestDomid()).orElseThrow();
            assertEquals("no grant left once netfront stopped", 0, guest.grantsActive() + guest.grantsDeferred());
        } finally {
            traffic.destroyForcibly();
            traffic.waitFor(10, TimeUnit.SECONDS);
        }
        bundle("org.xenpv.netfront").start();
        placeInterfaces();
        assertPingsCross();

        bundle("org.xenpv.stack.tap").stop();
        assertNothingLeft("after the TAP stack stopped");
        bundle("org.xenpv.stack.tap").start();
        placeInterfaces();
        assertPingsCross();
    }

    private long tapListCount(String name) {
        try {
            for (String line : executeCommand("tap:list --no-format").split("\n")) {
                String[] cells = line.trim().split("\\s+");
                if (cells.length > 3 && cells[0].equals(name)) {
                    return Long.parseLong(cells[3]);
                }
            }
        } catch (Exception e) {
            // not listed yet
        }
        return 0;
    }

    private static long tunDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("/dev/net/tun");
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        }
    }

    private String inside(int index, String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespaces[index]));
        full.addAll(List.of(command));
        return run(full.toArray(String[]::new));
    }

    /** Runs a command; returns "exit code: output". */
    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within 30 s");
        }
        return process.exitValue() + ": " + new String(output, StandardCharsets.UTF_8);
    }

    private static void check(String result, String what) {
        if (!result.startsWith("0:")) {
            fail(what + " failed: " + result);
        }
    }
}
