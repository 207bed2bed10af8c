package org.xenpv.abi;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A C program of the conformance tests, compiled with gcc against the real Xen
 * headers. When gcc or the headers are missing the test fails in CI (CI=true)
 * and is skipped elsewhere, naming the Debian package that brings them.
 */
public final class NativeProgram {
    private static final long TIMEOUT_SECONDS = 60;

    private final Path executable;

    private NativeProgram(Path executable) {
        this.executable = executable;
    }

    /**
     * Compiles {@code src/test/c/<name>.c} into target/.
     *
     * @param requiredHeader a header the program needs, for example "/usr/include/xen/io/ring.h"
     * @param debianPackage the package that installs it
     * @param gccOptions further options for gcc, for example "-Isrc/test/c/include"
     */
    public static NativeProgram compile(String name, String requiredHeader, String debianPackage,
            String... gccOptions) throws IOException, InterruptedException {
        require(requiredHeader, debianPackage);
        Path gcc = findOnPath("gcc");
        if (gcc == null) {
            missing("gcc", "gcc");
        }
        Path source = Path.of("src/test/c", name + ".c").toAbsolutePath();
        Path output = Path.of("target/native", name).toAbsolutePath();
        Files.createDirectories(output.getParent());
        List<String> command = new ArrayList<>(List.of(gcc.toString(), "-std=gnu11", "-O1", "-Wall", "-Werror"));
        command.addAll(List.of(gccOptions));
        command.addAll(List.of("-o", output.toString(), source.toString()));
        Result result = run(command, "");
        if (result.exitCode != 0) {
            fail("gcc failed on " + source + ":\n" + result.output);
        }
        return new NativeProgram(output);
    }

    /**
     * Fails (in CI) or skips the calling test when {@code file} is missing.
     *
     * @param debianPackage the package that installs it
     */
    public static void require(String file, String debianPackage) {
        if (!Files.exists(Path.of(file))) {
            missing(file, debianPackage);
        }
    }

    private static void missing(String what, String debianPackage) {
        String message = what + " is missing: install the Debian package " + debianPackage
                + " (./test.sh installs it)";
        if ("true".equals(System.getenv("CI"))) {
            fail(message + "; in CI this conformance test must run");
        }
        Assumptions.abort(message);
    }

    private static Path findOnPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Runs the program with {@code input} on its standard input and returns its output. */
    public String run(String input, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(List.of(args));
        Result result = run(command, input);
        if (result.exitCode != 0) {
            fail(executable + " exited with " + result.exitCode + ":\n" + result.output);
        }
        return result.output;
    }

    /** Runs the program and parses its "name value" lines. */
    public Map<String, Long> facts() throws IOException, InterruptedException {
        Map<String, Long> facts = new LinkedHashMap<>();
        for (String line : run("").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            facts.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
        }
        return facts;
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, String input) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        {
            // Feed stdin from a writer thread so a chatty program cannot deadlock on a full pipe.
            Thread writer = new Thread(() -> {
                try (var stdin = process.getOutputStream()) {
                    stdin.write(input.getBytes(StandardCharsets.US_ASCII));
                } catch (IOException ignored) {
                    // the program exited early; its exit code and output say why
                }
            }, "native-stdin");
            writer.start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(command.get(0) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            writer.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            return new Result(process.exitValue(), new String(output, StandardCharsets.US_ASCII));
        }
    }
}
