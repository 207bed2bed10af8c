package org.xenpv.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.xenpv.net.FrameReceiver;
import org.xenpv.net.Nic;
import org.xenpv.net.Offload;

/** xenpv-capture in the distribution: a capture of vif-0 while frames cross between its two vifs. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CaptureIT extends XenpvTestSupport {
    private static final String FILE = "data/capture-it.pcapng";

    @Configuration
    public Option[] config() {
        return xenpvDistribution();
    }


    private static ByteBuffer frame(Nic to, Nic from, int size) {
        ByteBuffer frame = ByteBuffer.allocate(size);
        to.macAddress().write(frame, 0);
        from.macAddress().write(frame, 6);
        frame.putShort(12, (short) 0x88b5);
        return frame;
    }

    private static FrameReceiver collectInto(BlockingQueue<Integer> arrivals) {
        return (queue, frame, offload) -> arrivals.add(frame.remaining());
    }

    /** The capture:list row of {@code nic}, split into its columns, or null. */
    private String[] listRow(String nic) {
        try {
            for (String line : executeCommand("capture:list --no-format").split("\\R")) {
                String[] columns = line.trim().split("\\s+");
                if (columns.length >= 6 && columns[0].equals(nic)) {
                    return columns;
                }
            }
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    private String failing(String command) throws Exception {
        try {
            String output = executeCommand(command);
            fail(command + " should fail, printed: " + output);
            return null;
        } catch (Exception e) {
            return String.valueOf(e.getMessage());
        }
    }

    private static void assertContains(String text, String part) {
        assertTrue("expected '" + part + "' in:\n" + text, text.contains(part));
    }

    @Test
    public void aCaptureOfVif0HoldsTwentyFramesBothWays() throws Exception {
        featuresService.installFeature("xenpv-capture", EnumSet.noneOf(FeaturesService.Option.class));
        waitFor("the capture commands", this::tryList);
        Nic vif0 = Nics.active(bundleContext, "vif-0");
        Nic vif1 = Nics.active(bundleContext, "vif-1");
        BlockingQueue<Integer> at0 = new LinkedBlockingQueue<>();
        BlockingQueue<Integer> at1 = new LinkedBlockingQueue<>();
        FrameReceiver receiver0 = collectInto(at0);
        FrameReceiver receiver1 = collectInto(at1);
        vif0.setReceiver(receiver0); // a Nic shows inbound frames to its monitors on their way to its receiver
        vif1.setReceiver(receiver1);
        try {
            assertContains(executeCommand("capture:start vif-0 " + FILE + " --count 20"), "capturing vif-0 to");
            String[] running = listRow("vif-0");
            assertNotNull(running);
            assertContains(failing("capture:start vif-0 data/other.pcapng"), "already running on vif-0");

            for (int i = 0; i < 15; i++) {
                assertTrue(vif0.send(frame(vif1, vif0, 60 + i), Offload.NONE));
                assertEquals(Integer.valueOf(60 + i), at1.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS));
                assertTrue(vif1.send(frame(vif0, vif1, 100 + i), Offload.NONE));
                assertEquals(Integer.valueOf(100 + i), at0.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS));
            }
            waitFor("capture:list showing 20 frames and the capture ended", () -> {
                String[] row = listRow("vif-0");
                return row != null && row[1].equals("COUNT_REACHED") && row[2].equals("20");
            });
        } finally {
            vif0.clearReceiver(receiver0);
            vif1.clearReceiver(receiver1);
        }

        Path file = Path.of(System.getProperty("karaf.base"), FILE);
        String[] row = listRow("vif-0");
        assertEquals("the file's size as listed", Long.toString(Files.size(file)), row[3]);
        assertEquals("no frame dropped", "0", row[4]);
        assertEquals(file.toString(), row[5]);
        Walked walked = walk(Files.readAllBytes(file));
        assertEquals("vif-0", walked.interfaceName());
        assertEquals(20, walked.packets());
        assertEquals("inbound (1) and outbound (2) frames", Set.of(1, 2), walked.directions());

        assertContains(failing("capture:start vif-9 data/x.pcapng"), "no Nic named 'vif-9'; Nics: vif-0, vif-1");
        assertContains(failing("capture:start vif-1 data/no/such/dir/x.pcapng"),
                Path.of(System.getProperty("karaf.base"), "data/no/such/dir/x.pcapng").toString());
        assertContains(executeCommand("capture:start vif-1 data/vif-1.pcapng"), "capturing vif-1");
        assertContains(executeCommand("capture:stop vif-1"), "vif-1: STOPPED, 0 frames");
        assertContains(failing("capture:stop vif-2"), "no capture on 'vif-2'");

        // Uninstalled while a capture runs: the capture ends, its thread with it, its file intact.
        assertContains(executeCommand("capture:start vif-1 data/vif-1.pcapng"), "capturing vif-1");
        featuresService.uninstallFeature("xenpv-capture", EnumSet.noneOf(FeaturesService.Option.class));
        waitFor("no capture thread left", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().startsWith("xenpv-capture-")));
        Walked left = walk(Files.readAllBytes(Path.of(System.getProperty("karaf.base"), "data/vif-1.pcapng")));
        assertEquals("vif-1", left.interfaceName());
    }

    private boolean tryList() {
        try {
            return executeCommand("capture:list --no-format") != null;
        } catch (Exception e) {
            return false;
        }
    }

    /** What a pcapng file holds: its interface's name, its packets and their directions. */
    private record Walked(String interfaceName, int packets, Set<Integer> directions) {
    }

    /**
     * Walks the pcapng blocks (little-endian, every block's length repeated at
     * its end): a section header, an interface, Enhanced Packet Blocks.
     */
    private static Walked walk(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int packets = 0;
        String interfaceName = null;
        Set<Integer> directions = new HashSet<>();
        int at = 0;
        assertEquals("Section Header Block first", 0x0A0D0D0A, in.getInt(0));
        assertEquals("byte-order magic", 0x1A2B3C4D, in.getInt(8));
        while (at < bytes.length) {
            int type = in.getInt(at);
            int length = in.getInt(at + 4);
            assertTrue("block length " + length + " at " + at, length >= 12 && length % 4 == 0
                    && at + length <= bytes.length);
            assertEquals("length repeated at the block's end", length, in.getInt(at + length - 4));
            int options = -1;
            if (type == 1) {
                options = at + 16;
            } else if (type == 6) {
                packets++;
                options = at + 28 + ((in.getInt(at + 20) + 3) & -4);
            }
            while (options >= 0 && options < at + length - 4) {
                int code = in.getShort(options) & 0xffff;
                int size = in.getShort(options + 2) & 0xffff;
                if (code == 0) {
                    break;
                }
                if (type == 1 && code == 2) {
                    interfaceName = new String(bytes, options + 4, size, StandardCharsets.UTF_8);
                } else if (type == 6 && code == 2) {
                    directions.add(in.getInt(options + 4) & 3);
                }
                options += 4 + ((size + 3) & -4);
            }
            at += length;
        }
        return new Walked(interfaceName, packets, directions);
    }
}
