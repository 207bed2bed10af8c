package org.xenpv.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.Command;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.parsing.CommandLineImpl;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.InvalidSyntaxException;

/** Every console command in the distribution: its output, and its error for a bad argument. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CommandsIT extends XenpvTestSupport {

    @Configuration
    public Option[] config() {
        return xenpvDistribution();
    }

    private void awaitNics(int count) throws InterruptedException {
        waitFor(count + " Nic services", () -> {
            try {
                Object[] nics = bundleContext.getAllServiceReferences("org.xenpv.net.Nic", null);
                return (nics == null ? 0 : nics.length) == count;
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Runs a command that must fail and returns its error message. */
    private String failing(String command) throws Exception {
        try {
            String output = executeCommand(command);
            fail(command + " should fail, printed: " + output);
            return null;
        } catch (Exception e) {
            return String.valueOf(e.getMessage());
        }
    }

    private static void assertContains(String text, String... parts) {
        for (String part : parts) {
            assertTrue("expected '" + part + "' in:\n" + text, text.contains(part));
        }
    }

    @Test
    public void xenInfoShowsTheSimulatorAndItsXenStoreSocket() throws Exception {
        String info = executeCommand("xen:info --no-format");
        assertContains(info, "sim", "4.17", "HVM", "0000:00:02.0 5853:0001 (subsystem 5853:0001, class ff8000, irq 24,"
                + " driver xen-platform-pci)", "I/O 0xc000-0xc0ff", "memory 0xf0000000-0xf0ffffff prefetchable",
                "Xenstore socket", "xenstored.socket");
        assertTrue(info, info.matches("(?s).*Domain id\\s+1\\b.*"));
    }

    @Test
    public void netfrontCommandsListCountAndSwitchVifs() throws Exception {
        awaitNics(2);
        String list = executeCommand("netfront:list --no-format");
        assertContains(list, "vif-0", "vif-1", "00:16:3e:00:01:00", "ACTIVE", "split-event-channels");
        assertContains(executeCommand("netfront:stats vif-0"), "total", "TX packets");
        assertContains(failing("netfront:stats vif-9"), "no vif named 'vif-9'", "vif-0, vif-1");
        assertContains(executeCommand("netfront:down vif-1"), "vif-1: STOPPED");
        assertContains(executeCommand("netfront:list --no-format"), "STOPPED");
        assertContains(executeCommand("netfront:up vif-1"), "vif-1: ACTIVE");
        assertContains(failing("netfront:up"), "device");
    }

    @Test
    public void xenbusListShowsBothEndsOfEachVif() throws Exception {
        awaitNics(2);
        assertContains(executeCommand("xenbus:list --no-format"), "vif-0", "vif-1", "CONNECTED",
                "/local/domain/0/backend/vif/1/0");
        String one = executeCommand("xenbus:list --no-format vif-1");
        assertContains(one, "vif-1", "/local/domain/0/backend/vif/1/1");
        assertFalse("only the device asked for: " + one, one.contains("backend/vif/1/0"));
        assertContains(failing("xenbus:list vif-9"), "no XenBus device 'vif-9'", "vif-0", "vif-1");
    }

    @Test
    public void everyTableCommandPrintsWithoutBordersWhenAskedNotToFormat() throws Exception {
        awaitNics(2);
        // Each command with its arguments, if any; Karaf's options go before the arguments.
        for (List<String> command : List.of(List.of("netfront:list"), List.of("netfront:stats", "vif-0"),
                List.of("xenbus:list"), List.of("xen:info"), List.of("sim:vif-list"))) {
            String arguments = String.join(" ", command.subList(1, command.size()));
            String formatted = executeCommand(command.get(0) + " " + arguments);
            String plain = executeCommand(command.get(0) + " --no-format " + arguments);
            assertTrue(command + " draws a table: " + formatted, hasTableRules(formatted));
            assertFalse(command + " --no-format draws none: " + plain, hasTableRules(plain));
        }
    }

    /** Whether Karaf's ShellTable drew its column separators and header rule. */
    private static boolean hasTableRules(String output) {
        return output.contains("\u2502") || output.contains("\u253c") || output.contains(" | ")
                || output.contains("-+-");
    }

    @Test
    public void xenstoreCommandsReadWriteListWatchAndRemove() throws Exception {
        executeCommand("xenstore:write data/greeting hello");
        assertEquals("hello", executeCommand("xenstore:read data/greeting").trim());
        assertContains(executeCommand("xenstore:ls -p /local/domain/1/data"), "greeting = \"hello\"", "(n1)");
        assertContains(executeCommand("xenstore:ls device"), "vif", "backend-id = \"0\"");
        assertEquals("data", executeCommand("xenstore:watch data 1").trim());
        executeCommand("xenstore:rm data");
        assertContains(failing("xenstore:read data/greeting"), "ENOENT", "data/greeting");
        assertContains(failing("xenstore:write /local/domain/0/intrusion x"), "EACCES");
        assertContains(failing("xenstore:read bad//path"), "EINVAL");
        assertContains(failing("xenstore:watch data 0"), "at least 1");
    }

    /** What Tab offers at the end of {@code line}, as the console's completion asks the command's completers. */
    private List<String> complete(String line) throws Exception {
        String[] words = line.split(" ", -1);
        String last = words[words.length - 1];
        CommandLine commandLine = new CommandLineImpl(words, words.length - 1, last.length(), line.length(), line);
        String[] scopeAndName = words[0].split(":");
        try (PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
                Session session = sessionFactory.create(System.in, out, out)) {
            Command command = session.getRegistry().getCommands().stream()
                    .filter(c -> c.getScope().equals(scopeAndName[0]) && c.getName().equals(scopeAndName[1]))
                    .findFirst().orElseThrow(() -> new AssertionError("no command " + words[0]));
            List<Candidate> candidates = new ArrayList<>();
            command.getCompleter(true).completeCandidates(session, commandLine, candidates);
            return candidates.stream().map(Candidate::value).sorted().toList();
        }
    }

    @Test
    public void argumentsCompleteWithTab() throws Exception {
        awaitNics(2);
        assertEquals(List.of("vif-0", "vif-1"), complete("netfront:stats "));
        assertTrue(complete("xenbus:list ").containsAll(List.of("vif-0", "vif-1")));
        assertEquals(List.of("vif-1"), complete("xenbus:list vif-1"));
        assertEquals(List.of("/local/domain/"), complete("xenstore:ls /local/"));
        assertTrue(complete("xenstore:read /local/domain/1/").contains("/local/domain/1/device/"));
        // other tests may have made guest 2 and given it vifs
        assertTrue(complete("sim:vif-add ").contains("1"));
        assertFalse("dom0 is not a simulated guest", complete("sim:vif-add ").contains("0"));
        assertEquals(List.of("0", "1"), complete("sim:vif-remove 1 "));
    }

    @Test
    public void simVifFaultMakesABackendLieAndNetfrontStatsShowsWhatItDid() throws Exception {
        awaitNics(2);
        String added = executeCommand("sim:vif-add 1");
        java.util.regex.Matcher handle = java.util.regex.Pattern.compile("vif 1\\.(\\d+) added").matcher(added);
        assertTrue(added, handle.find());
        String vif = "vif-" + handle.group(1);
        String target = "1 " + handle.group(1);
        try {
            awaitNics(3);
            waitFor(vif + " ACTIVE", () -> run("netfront:list --no-format")
                    .matches("(?s).*" + vif + "\\s+\\S+\\s+ACTIVE.*"));
            assertContains(executeCommand("sim:vif-fault " + target + " event-storm"), "event-storm injected");
            waitFor("the storm re-armed late", () -> {
                java.util.regex.Matcher delayed = java.util.regex.Pattern.compile("queue_0_delayed_rearms: (\\d+)")
                        .matcher(run("netfront:stats " + vif));
                return delayed.find() && Long.parseLong(delayed.group(1)) >= 2;
            });
            assertContains(executeCommand("sim:vif-fault --calm " + target), "storms ended");

            assertContains(executeCommand("sim:vif-fault " + target + " rx-bad-id"), "rx-bad-id injected");
            waitFor(vif + " broken", () -> run("netfront:stats " + vif).contains("Broken: queue 0: RX response id"));
            assertContains(failing("sim:vif-fault " + target + " rx-lies"), "no backend fault rx-lies");
            assertContains(failing("sim:vif-fault --queue 5 " + target + " rx-bad-id"), "no connected queue 5");
        } finally {
            // The other tests count the vifs: this one goes whatever happened.
            run("sim:vif-remove " + target);
        }
        awaitNics(2);
    }

    /** A command's output, or its error, for conditions waited on. */
    private String run(String command) {
        try {
            return executeCommand(command);
        } catch (Exception e) {
            return String.valueOf(e.getMessage());
        }
    }

    @Test
    public void simCommandsAddAndRemoveVifsAtRunTime() throws Exception {
        awaitNics(2);
        assertContains(executeCommand("sim:vif-add 1"), "vif 1.2 added");
        awaitNics(3);
        assertContains(executeCommand("sim:vif-remove 1 2"), "vif 1.2 removed");
        awaitNics(2);
        assertContains(failing("sim:vif-add 99"), "no guest domain 99");
        assertContains(failing("sim:vif-remove 1 7"), "has no vif 7");
        assertContains(executeCommand("sim:guest-create"), "guest 2 created");
        assertContains(executeCommand("sim:vif-add 2"), "vif 2.0 added");
    }
}
