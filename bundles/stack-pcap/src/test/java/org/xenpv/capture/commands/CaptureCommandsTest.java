package org.xenpv.capture.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.capture.CaptureInfo;
import org.xenpv.capture.CaptureInfo.State;
import org.xenpv.capture.Captures;

/** The commands' parsing, messages and output, against a Captures that records its calls. */
class CaptureCommandsTest {
    private final List<String> calls = new ArrayList<>();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private PrintStream console;

    private final Captures captures = new Captures() {
        @Override
        public CaptureInfo start(String nic, Path file, long maxFrames, long maxBytes) throws IOException {
            calls.add("start " + nic + " " + file + " " + maxFrames + " " + maxBytes);
            if (file.toString().startsWith("/denied")) {
                throw new IOException("cannot create capture file " + file + ": permission denied");
            }
            if (nic.equals("busy")) {
                throw new IllegalStateException("a capture is already running on busy (to /x): stop it first");
            }
            return new CaptureInfo(nic, Path.of("/base").resolve(file), 0, 0, 0, State.RUNNING, Optional.empty());
        }

        @Override
        public CaptureInfo stop(String nic) {
            return new CaptureInfo(nic, Path.of("/base/f.pcapng"), 12, 3456, 7, State.STOPPED, Optional.empty());
        }

        @Override
        public List<CaptureInfo> list() {
            return List.of(
                    new CaptureInfo("vif-0", Path.of("/base/a.pcapng"), 20, 2976, 0, State.COUNT_REACHED,
                            Optional.empty()),
                    new CaptureInfo("vif-1", Path.of("/base/b.pcapng"), 1, 200, 3, State.FAILED,
                            Optional.of("writing /base/b.pcapng failed: disk full")));
        }

        @Override
        public List<String> nics() {
            return List.of("vif-0", "vif-1");
        }
    };

    @BeforeEach
    void captureOutput() {
        console = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreOutput() {
        System.setOut(console);
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    private CaptureStartCommand start(String nic, String file, String... trailing) {
        CaptureStartCommand command = new CaptureStartCommand();
        command.captures = captures;
        command.nic = nic;
        command.file = file;
        command.limits = trailing.length == 0 ? null : List.of(trailing);
        return command;
    }

    @Test
    void limitsMayComeBeforeOrAfterTheFile() {
        CaptureStartCommand before = start("vif-0", "a.pcapng");
        before.count = 20;
        before.execute();
        start("vif-0", "b.pcapng", "--count", "20", "--max-bytes", "4096").execute();
        start("vif-0", "c.pcapng", "--max-bytes=100000", "-c", "5").execute();
        assertEquals(List.of("start vif-0 a.pcapng 20 0", "start vif-0 b.pcapng 20 4096",
                "start vif-0 c.pcapng 5 100000"), calls);
        assertTrue(printed().contains("capturing vif-0 to /base/b.pcapng, up to 20 frames, up to 4096 bytes"),
                printed());
    }

    @Test
    void mistakesAreClearErrors() {
        assertEquals("unexpected 'extra' after the file: only --count N and --max-bytes N may follow it",
                assertThrows(IllegalArgumentException.class, () -> start("vif-0", "a", "extra").execute())
                        .getMessage());
        assertEquals("--count takes a number, not 'ten'", assertThrows(IllegalArgumentException.class,
                () -> start("vif-0", "a", "--count", "ten").execute()).getMessage());
        assertEquals("missing value for --max-bytes", assertThrows(IllegalArgumentException.class,
                () -> start("vif-0", "a", "--max-bytes").execute()).getMessage());
        assertEquals("--count must be 0 (no limit) or more, not -1", assertThrows(IllegalArgumentException.class,
                () -> start("vif-0", "a", "--count", "-1").execute()).getMessage());
        assertEquals("cannot create capture file /denied/x: permission denied", assertThrows(
                IllegalArgumentException.class, () -> start("vif-0", "/denied/x").execute()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> start("busy", "x").execute()).getMessage()
                .contains("already running on busy"));
        assertTrue(calls.stream().noneMatch(c -> c.contains(" a ")), "nothing started on a mistake: " + calls);
    }

    @Test
    void stopReportsWhatWasWritten() {
        CaptureStopCommand stop = new CaptureStopCommand();
        stop.captures = captures;
        stop.nic = "vif-0";
        stop.execute();
        assertEquals("vif-0: STOPPED, 12 frames (3456 bytes) written to /base/f.pcapng, 7 dropped",
                printed().trim());
    }

    @Test
    void listIsATableWithFailuresBelowIt() {
        CaptureListCommand list = new CaptureListCommand();
        list.captures = captures;
        list.noFormat = true;
        list.execute();
        List<String> lines = printed().lines().toList();
        assertEquals(List.of("vif-0", "COUNT_REACHED", "20", "2976", "0", "/base/a.pcapng"),
                List.of(lines.get(0).trim().split("\\s+")));
        assertEquals(List.of("vif-1", "FAILED", "1", "200", "3", "/base/b.pcapng"),
                List.of(lines.get(1).trim().split("\\s+")));
        assertEquals("vif-1: writing /base/b.pcapng failed: disk full", lines.get(2));
    }
}
