package org.xenpv.net.tap;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Assumptions;

/**
 * A network namespace a test makes for itself with iproute2, removed on
 * close (its interfaces go with it). Tests that need one need root and
 * /dev/net/tun: elsewhere they are skipped, saying why; in CI (which runs as
 * root) they must run, so there the missing privilege fails them.
 */
public final class NetNamespace implements AutoCloseable {
    private static final long COMMAND_SECONDS = 30;
    private final String name;

    private NetNamespace(String name) {
        this.name = name;
    }

    /** Skips (or in CI fails) the calling test unless it may create TAP interfaces and namespaces. */
    public static void requireNetAdmin() {
        String why = null;
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            why = "/dev/net/tun is missing (modprobe tun)";
        } else if (!"root".equals(System.getProperty("user.name"))) {
            why = "TAP interfaces and network namespaces need root (CAP_NET_ADMIN); run ./test.sh as root";
        } else if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))) {
            why = "iproute2's ip is missing (apt-get install iproute2)";
        }
        if (why == null) {
            return;
        }
        if ("true".equals(System.getenv("CI"))) {
            fail(why + "; in CI this test must run");
        }
        Assumptions.abort(why);
    }

    /** Creates namespace {@code xenpv-<prefix>-<pid>}. */
    public static NetNamespace create(String prefix) throws IOException, InterruptedException {
        requireNetAdmin();
        String name = "xenpv-" + prefix + "-" + ProcessHandle.current().pid();
        run("ip", "netns", "del", name); // left over from a run that was killed
        NetNamespace namespace = new NetNamespace(name);
        check(run("ip", "netns", "add", name), "creating namespace " + name);
        namespace.exec("ip", "link", "set", "lo", "up");
        return namespace;
    }

    public String name() {
        return name;
    }

    /** Moves interface {@code device} from this process's namespace into this one. */
    public void adopt(String device) throws IOException, InterruptedException {
        check(run("ip", "link", "set", device, "netns", name), "moving " + device + " into " + name);
    }

    /** Runs a command in the namespace; fails the test when it fails. Returns its output. */
    public String exec(String... command) throws IOException, InterruptedException {
        return check(run(inside(command)), String.join(" ", command) + " in " + name);
    }

    /** Runs a command in the namespace; returns its exit code and output, whatever they are. */
    public Result tryExec(String... command) throws IOException, InterruptedException {
        return run(inside(command));
    }

    /** Starts a long-running command in the namespace (destroy it when done). */
    public Process start(String... command) throws IOException {
        return new ProcessBuilder(inside(command)).redirectErrorStream(true).start();
    }

    private String[] inside(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return full.toArray(String[]::new);
    }

    /** A command's exit code and output. */
    public record Result(int exitCode, String output) {
    }

    public static Result run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + COMMAND_SECONDS + " s");
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private static String check(Result result, String what) {
        if (result.exitCode() != 0) {
            fail(what + " failed (" + result.exitCode() + "): " + result.output());
        }
        return result.output();
    }

    /** Waits (bounded) until {@code condition} holds. */
    public static void waitFor(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(what + " did not happen within " + seconds + " s");
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("ip", "netns", "del", name);
    }
}
