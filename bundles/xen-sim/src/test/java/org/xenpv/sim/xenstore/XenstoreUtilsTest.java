package org.xenpv.sim.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xenpv.abi.NativeProgram;

/**
 * Debian's real XenStore tools (xenstore-utils) against the simulated server,
 * through its Unix socket named by XENSTORED_PATH, as on a Xen host's dom0.
 */
class XenstoreUtilsTest {
    private static final long TOOL_SECONDS = 20;

    @TempDir
    Path dir;

    private XenStoreServer server;
    private XenStoreSocketServer socket;

    @BeforeEach
    void start() throws IOException {
        NativeProgram.require("/usr/bin/xenstore-ls", "xenstore-utils");
        server = new XenStoreServer();
        server.write("/local/domain/1", "", "n1");
        server.write("/local/domain/1/domid", "1", "n0", "r1");
        server.write("/local/domain/1/name", "guest1", "n0", "r1");
        socket = new XenStoreSocketServer(server, dir.resolve("xenstored.socket"));
    }

    @AfterEach
    void stop() {
        socket.close();
        assertEquals(0, server.connectionCount(), "every tool's connection ended");
        assertEquals(0, server.watchCount());
        assertEquals(0, server.transactionCount());
    }

    private record Result(int exitCode, String output) {
    }

    private Result run(String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("XENSTORED_PATH", socket.socketPath().toString());
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(TOOL_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + TOOL_SECONDS + " s");
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private String ok(String... command) throws IOException, InterruptedException {
        Result result = run(command);
        assertEquals(0, result.exitCode(), String.join(" ", command) + " failed: " + result.output());
        return result.output();
    }

    @Test
    void writeReadExistsListRm() throws Exception {
        ok("xenstore-write", "/tool/xenpv/greeting", "hello world", "/tool/xenpv/answer", "42");
        assertEquals("hello world\n42\n", ok("xenstore-read", "/tool/xenpv/greeting", "/tool/xenpv/answer"));
        assertEquals("answer\ngreeting\n", sorted(ok("xenstore-list", "/tool/xenpv")));
        assertEquals(0, run("xenstore-exists", "/tool/xenpv/answer").exitCode());
        assertNotEquals(0, run("xenstore-exists", "/tool/xenpv/missing").exitCode());
        Result missing = run("xenstore-read", "/tool/xenpv/missing");
        assertNotEquals(0, missing.exitCode());
        assertTrue(missing.output().contains("couldn't read path"), missing.output());
        ok("xenstore-rm", "/tool/xenpv");
        assertNotEquals(0, run("xenstore-exists", "/tool/xenpv").exitCode());
        assertEquals(null, server.read("/tool/xenpv/answer"));
    }

    @Test
    void lsShowsTheTreeAndPermissionsChangedWithChmod() throws Exception {
        ok("xenstore-write", "/local/domain/0/backend/vif/1/0/state", "2");
        ok("xenstore-chmod", "/local/domain/0/backend/vif/1/0/state", "n0", "r1");
        String listing = ok("xenstore-ls", "-p", "/local/domain/0/backend/vif/1/0");
        assertTrue(listing.matches("(?s)state = \"2\"[ .]*\\(n0,r1\\)\n"), listing);
        assertEquals("n0,r1", permsOf("/local/domain/0/backend/vif/1/0/state"));
        String tree = ok("xenstore-ls", "/local/domain/1");
        assertEquals("domid = \"1\"\nname = \"guest1\"\n", tree);
        Result refused = run("xenstore-chmod", "/local/domain/0/backend", "x9");
        assertNotEquals(0, refused.exitCode(), refused.output());
    }

    /** The permissions column of xenstore-ls -p for one node. */
    private String permsOf(String path) throws Exception {
        String parent = path.substring(0, path.lastIndexOf('/'));
        String leaf = path.substring(path.lastIndexOf('/') + 1);
        for (String line : ok("xenstore-ls", "-p", parent).split("\n")) {
            if (line.startsWith(leaf + " = ")) {
                return line.substring(line.lastIndexOf('(') + 1, line.lastIndexOf(')'));
            }
        }
        throw new AssertionError(path + " not listed");
    }

    @Test
    void aWatchFiresOnRegistrationAndForAWrite() throws Exception {
        ok("xenstore-write", "/tool/watched", "");
        ProcessBuilder builder = new ProcessBuilder("xenstore-watch", "-n", "2", "/tool/watched")
                .redirectErrorStream(true);
        builder.environment().put("XENSTORED_PATH", socket.socketPath().toString());
        Process watcher = builder.start();
        try {
            var output = watcher.inputReader(StandardCharsets.UTF_8);
            assertEquals("/tool/watched", output.readLine(), "the initial event");
            ok("xenstore-write", "/tool/watched/child", "x");
            assertEquals("/tool/watched/child", output.readLine(), "the event of the write");
            assertTrue(watcher.waitFor(TOOL_SECONDS, TimeUnit.SECONDS), "xenstore-watch -n 2 exits after two events");
            assertEquals(0, watcher.exitValue());
        } finally {
            watcher.destroyForcibly();
        }
    }

    @Test
    void theDispatchingXenstoreCommandWorksToo() throws Exception {
        ok("xenstore", "write", "/tool/via-dispatcher", "yes");
        assertEquals("yes\n", ok("xenstore", "read", "/tool/via-dispatcher"));
    }

    @Test
    void xenstoreControlAnswersCheckAndRefusesUnknownCommands() throws Exception {
        Path control = xenstoreControl();
        assertEquals("OK\n", ok(control.toString(), "check"));
        assertTrue(ok(control.toString(), "help").contains("check"));
        Result unknown = run(control.toString(), "no-such-command");
        assertNotEquals(0, unknown.exitCode(), unknown.output());
    }

    @Test
    void theToolsOnTheSocketAreExemptFromTheGuestQuotasAsOnXen() throws Exception {
        String big = "v".repeat(3000); // a guest's node record stops at 2048 bytes; dom0's socket has no such quota
        ok("xenstore-write", "/tool/big", big);
        assertEquals(big + "\n", ok("xenstore-read", "/tool/big"));
        ok("xenstore-chmod", "/tool/big", "n0", "r1", "r2", "r3", "r4", "r5", "r6");
        String listing = ok("xenstore-ls", "-p", "/tool");
        assertTrue(listing.startsWith("big = ") && listing.endsWith("(n0,r1,r2,r3,r4,r5,r6)\n"),
                "seven permission entries, where a guest may set five: " + listing);
    }

    @Test
    void xenstoreControlPrintsTheQuotasAsCXenstoredDoes() throws Exception {
        Path control = xenstoreControl();
        String settings = ok(control.toString(), "quota");
        assertTrue(settings.startsWith("Quota settings:\n"), settings);
        assertTrue(settings.contains("nodes            :     1000 Nodes per domain\n"), settings);
        assertTrue(settings.contains("path-max         :     2048 Max. length of a node path\n"), settings);
        ok("xenstore-write", "/local/domain/5/mine", "x");
        ok("xenstore-chmod", "/local/domain/5/mine", "n5");
        assertEquals("Domain 5:\nnodes           :        1\nwatches         :        0\n"
                + "transactions    :        0\n\n", ok(control.toString(), "quota", "5"),
                "xenstore-control adds a newline");
    }

    /**
     * xenstore-control comes with Debian's xen-utils-4.17, which is not
     * installed on a build machine (it brings the Xen daemons' init scripts);
     * ./test.sh unpacks it and names it in XENPV_XENSTORE_CONTROL.
     */
    private static Path xenstoreControl() throws IOException {
        String named = System.getenv("XENPV_XENSTORE_CONTROL");
        List<Path> candidates = new ArrayList<>();
        if (named != null) {
            candidates.add(Path.of(named));
        }
        try (DirectoryStream<Path> xenDirs = Files.newDirectoryStream(Path.of("/usr/lib"), "xen-4.*")) {
            xenDirs.forEach(xen -> candidates.add(xen.resolve("bin/xenstore-control")));
        }
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        NativeProgram.require("xenstore-control (XENPV_XENSTORE_CONTROL, or /usr/lib/xen-4.17/bin)",
                "xen-utils-4.17 (unpacked by ./test.sh)");
        throw new AssertionError("unreachable");
    }

    private static String sorted(String lines) {
        List<String> list = new ArrayList<>(List.of(lines.split("\n")));
        list.sort(null);
        return String.join("\n", list) + "\n";
    }

}
