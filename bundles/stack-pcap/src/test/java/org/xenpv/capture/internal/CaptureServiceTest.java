package org.xenpv.capture.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xenpv.capture.CaptureInfo;
import org.xenpv.capture.CaptureInfo.State;
import org.xenpv.capture.Captures;
import org.xenpv.net.FrameMonitor.Direction;

class CaptureServiceTest {
    private static final Path TSHARK = Path.of("/usr/bin/tshark");

    @TempDir
    Path dir;

    private final FakeNic vif0 = new FakeNic("vif-0");
    private final FakeNic vif1 = new FakeNic("vif-1");
    private CaptureService service;

    @BeforeEach
    void setUp() {
        service = service(CaptureOutput.FILES, 1 << 20);
    }

    @AfterEach
    void tearDown() {
        service.deactivate();
        Await.noCaptureThreadLeft();
    }

    private CaptureService service(CaptureOutput output, int bufferBytes) {
        CaptureService created = new CaptureService(dir, bufferBytes, output);
        created.bindNic(vif0.nic(), vif0.properties());
        created.bindNic(vif1.nic(), vif1.properties());
        return created;
    }

    /** An Ethernet frame of {@code length} bytes whose bytes 14.. carry {@code tag} and a pattern. */
    private static ByteBuffer frame(int length, int tag) {
        ByteBuffer frame = ByteBuffer.allocate(length);
        for (int i = 0; i < 6; i++) {
            frame.put(i, (byte) 0x02).put(6 + i, (byte) (0x10 + i));
        }
        frame.putShort(12, (short) 0x88b5);
        if (length >= 18) {
            frame.putInt(14, tag);
        }
        for (int i = 18; i < length; i++) {
            frame.put(i, (byte) (i + tag));
        }
        return frame;
    }

    private static int tag(byte[] data) {
        return ByteBuffer.wrap(data, 14, 4).getInt();
    }

    private CaptureInfo info(String nic) {
        return service.list().stream().filter(i -> i.nic().equals(nic)).findFirst().orElseThrow();
    }

    @Test
    void framesBothWaysAreWrittenAsPcapngWithTheNicsName() throws Exception {
        assertEquals(0, vif0.monitorCount(), "no monitor while no capture runs");
        long before = System.currentTimeMillis();
        CaptureInfo started = service.start("vif-0", Path.of("both.pcapng"), Captures.NO_LIMIT, Captures.NO_LIMIT);
        assertEquals(dir.resolve("both.pcapng"), started.file(), "a relative path is resolved against the base");
        assertEquals(State.RUNNING, started.state());
        assertEquals(1, vif0.monitorCount());

        List<ByteBuffer> sent = List.of(frame(60, 1), frame(1514, 2), frame(14, 3), frame(70_000, 4), frame(61, 5));
        Direction[] directions = {Direction.OUTBOUND, Direction.INBOUND, Direction.OUTBOUND, Direction.INBOUND,
            Direction.INBOUND};
        ByteBuffer shifted = frame(100, 6);
        for (int i = 0; i < sent.size(); i++) {
            vif0.show(directions[i], sent.get(i));
        }
        vif0.show(Direction.OUTBOUND, ByteBuffer.allocate(120).put(20, shifted.array()).position(20).limit(120));
        Await.until("6 frames written", () -> info("vif-0").framesWritten() == 6);
        CaptureInfo stopped = service.stop("vif-0");
        assertEquals(State.STOPPED, stopped.state());
        assertEquals(0, vif0.monitorCount(), "the monitor is removed when the capture stops");
        assertEquals(6, stopped.framesWritten());
        assertEquals(0, stopped.framesDropped());
        Path file = dir.resolve("both.pcapng");
        assertEquals(Files.size(file), stopped.bytesWritten());

        PcapngReader.File read = PcapngReader.read(file);
        assertEquals("vif-0", read.interfaceName());
        assertEquals(1, read.linkType());
        assertEquals(65535, read.snapLength());
        assertEquals(9, read.tsresol());
        assertEquals(6, read.packets().size());
        long after = System.currentTimeMillis();
        long previous = 0;
        for (int i = 0; i < 5; i++) {
            PcapngReader.Packet packet = read.packets().get(i);
            ByteBuffer expected = sent.get(i);
            assertEquals(expected.capacity(), packet.originalLength());
            int captured = Math.min(expected.capacity(), 65535);
            byte[] bytes = new byte[captured];
            expected.get(0, bytes);
            assertArrayEquals(bytes, packet.data(), "frame " + i);
            assertEquals(directions[i] == Direction.INBOUND ? 1 : 2, packet.direction());
            long millis = TimeUnit.NANOSECONDS.toMillis(packet.timestamp());
            assertTrue(millis >= before - 1000 && millis <= after + 1000, "timestamp " + millis + " is now");
            assertTrue(packet.timestamp() >= previous, "timestamps in order");
            previous = packet.timestamp();
        }
        assertArrayEquals(shifted.array(), read.packets().get(5).data(), "a frame is taken from position to limit");
    }

    @Test
    void tsharkReadsTheCapture() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(TSHARK), TSHARK + " is not installed: cannot check that"
                + " Wireshark's reader accepts the file (install the tshark package to run this test)");
        service.start("vif-1", dir.resolve("tshark.pcapng"), Captures.NO_LIMIT, Captures.NO_LIMIT);
        int[] lengths = {60, 1514, 14, 70_000, 9014};
        for (int i = 0; i < lengths.length; i++) {
            vif1.show(i % 2 == 0 ? Direction.OUTBOUND : Direction.INBOUND, frame(lengths[i], i));
        }
        Await.until("5 frames written", () -> info("vif-1").framesWritten() == 5);
        service.stop("vif-1");

        Process tshark = new ProcessBuilder(TSHARK.toString(), "-r", dir.resolve("tshark.pcapng").toString(), "-T",
                "fields", "-E", "separator=,", "-e", "frame.len", "-e", "frame.cap_len", "-e",
                "frame.interface_name", "-e", "frame.packet_flags_direction")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(tshark.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tshark.waitFor(60, TimeUnit.SECONDS), "tshark ended");
        assertEquals(0, tshark.exitValue(), "tshark read the file without error:\n" + output);
        List<String> rows = output.lines().toList();
        assertEquals(lengths.length, rows.size(), output);
        for (int i = 0; i < lengths.length; i++) {
            String[] fields = rows.get(i).split(",");
            assertEquals(Integer.toString(lengths[i]), fields[0], rows.get(i));
            assertEquals(Integer.toString(Math.min(lengths[i], 65535)), fields[1], rows.get(i));
            assertEquals("vif-1", fields[2], rows.get(i));
            assertEquals(i % 2 == 0 ? 2 : 1, Integer.decode(fields[3]), "direction of " + rows.get(i));
        }
    }

    @Test
    void startFailsClearly() throws Exception {
        IllegalArgumentException noNic = assertThrows(IllegalArgumentException.class,
                () -> service.start("vif-9", dir.resolve("x.pcapng"), 0, 0));
        assertEquals("no Nic named 'vif-9'; Nics: vif-0, vif-1", noNic.getMessage());

        Path missing = dir.resolve("no/such/dir/x.pcapng");
        IOException cannot = assertThrows(IOException.class, () -> service.start("vif-0", missing, 0, 0));
        assertTrue(cannot.getMessage().contains(missing.toString()), cannot.getMessage());
        assertEquals(0, vif0.monitorCount());

        Path file = dir.resolve("one.pcapng");
        service.start("vif-0", file, 0, 0);
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> service.start("vif-0", dir.resolve("two.pcapng"), 0, 0));
        assertTrue(twice.getMessage().contains("already running on vif-0"), twice.getMessage());
        IllegalStateException sameFile = assertThrows(IllegalStateException.class,
                () -> service.start("vif-1", Path.of("one.pcapng"), 0, 0));
        assertTrue(sameFile.getMessage().contains("vif-0 is writing " + file), sameFile.getMessage());
        assertEquals(1, vif0.monitorCount());
        assertEquals(0, vif1.monitorCount());

        assertThrows(IllegalArgumentException.class, () -> service.start("vif-1", dir.resolve("n.pcapng"), -1, 0));
        assertThrows(IllegalArgumentException.class, () -> service.start("vif-1", dir.resolve("n.pcapng"), 0, -1));
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> service.start("vif-1", dir.resolve("n.pcapng"), 0, 100));
        assertTrue(tooSmall.getMessage().contains("leaves no room"), tooSmall.getMessage());
        IllegalArgumentException noCapture = assertThrows(IllegalArgumentException.class, () -> service.stop("vif-1"));
        assertEquals("no capture on 'vif-1'; captures: vif-0", noCapture.getMessage());

        service.stop("vif-0");
        assertEquals(State.STOPPED, service.stop("vif-0").state(), "stopping an ended capture says how it ended");
        service.start("vif-0", file, 0, 0);
        assertEquals(State.RUNNING, info("vif-0").state(), "a Nic can be captured again once its capture ended");
        assertEquals(List.of("vif-0", "vif-1"), service.nics());
    }

    @Test
    void countStopsTheCaptureAfterThatManyFrames() throws Exception {
        Path file = dir.resolve("count.pcapng");
        service.start("vif-0", file, 20, Captures.NO_LIMIT);
        for (int i = 0; i < 50; i++) {
            vif0.show(i % 3 == 0 ? Direction.INBOUND : Direction.OUTBOUND, frame(100, i));
        }
        Await.until("the capture ended by its count", () -> info("vif-0").state() == State.COUNT_REACHED);
        CaptureInfo ended = info("vif-0");
        assertEquals(20, ended.framesWritten());
        assertEquals(Files.size(file), ended.bytesWritten());
        assertEquals(0, vif0.monitorCount(), "the monitor is removed once the count is written");
        Await.noCaptureThreadLeft();
        PcapngReader.File read = PcapngReader.read(file);
        assertEquals(20, read.packets().size());
        for (int i = 0; i < 20; i++) {
            assertEquals(i, tag(read.packets().get(i).data()));
        }
    }

    @Test
    void maxBytesStopsBeforeTheFileWouldGrowPastIt() throws Exception {
        Path file = dir.resolve("bytes.pcapng");
        int header = Capture.headerLength("vif-0");
        int block = Pcapng.enhancedPacketLength(100);
        long limit = header + 3L * block + block - 1; // room for 3 frames and most of a fourth
        service.start("vif-0", file, Captures.NO_LIMIT, limit);
        for (int i = 0; i < 10; i++) {
            vif0.show(Direction.OUTBOUND, frame(100, i));
        }
        Await.until("the capture ended by its size", () -> info("vif-0").state() == State.SIZE_REACHED);
        assertEquals(header + 3L * block, Files.size(file), "no partial block beyond the limit");
        assertEquals(3, info("vif-0").framesWritten());
        assertEquals(3, PcapngReader.read(file).packets().size());
        assertEquals(0, vif0.monitorCount());
        Await.noCaptureThreadLeft();
    }

    /**
     * A disk that stalls: producers never wait for it, frames that find the
     * buffer full are counted as dropped, and once the disk moves again every
     * frame the capture took is in the file, in each producer's order.
     */
    @Test
    void aStalledWriterDropsAndCountsButNeverHoldsUpTheNic() throws Exception {
        service.deactivate();
        HeldOutput disk = new HeldOutput();
        service = service(disk, CaptureService.MIN_BUFFER_BYTES);
        Path file = dir.resolve("stalled.pcapng");
        service.start("vif-0", file, Captures.NO_LIMIT, Captures.NO_LIMIT);
        Await.until("the writer held by the disk", () -> disk.held() == 1);

        int producers = 4;
        int perProducer = 5_000;
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            Thread thread = new Thread(() -> {
                for (int s = 0; s < perProducer; s++) {
                    vif0.show(producer % 2 == 0 ? Direction.INBOUND : Direction.OUTBOUND,
                            frame(200, producer << 24 | s));
                }
            }, "test-producer-" + p);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(Await.DEADLINE_MILLIS);
            assertFalse(thread.isAlive(), "a producer finished while the disk was stalled: it never waited");
        }
        assertEquals(1, disk.held(), "the disk was still stalled");
        CaptureInfo stalled = info("vif-0");
        long offered = (long) producers * perProducer;
        long accepted = offered - stalled.framesDropped();
        assertTrue(stalled.framesDropped() > 0, "frames dropped while the buffer was full");
        assertTrue(accepted > 0 && accepted <= CaptureService.MIN_BUFFER_BYTES / RecordDescriptor.recordLength(200),
                "accepted " + accepted + " frames: what the buffer holds");
        assertEquals(0, stalled.framesWritten());

        disk.release();
        Await.until("every accepted frame written", () -> info("vif-0").framesWritten() == accepted);
        CaptureInfo stopped = service.stop("vif-0");
        assertEquals(State.STOPPED, stopped.state());
        assertEquals(accepted, stopped.framesWritten());
        assertEquals(stalled.framesDropped(), stopped.framesDropped());

        PcapngReader.File read = PcapngReader.read(file);
        assertEquals(accepted, read.packets().size());
        int[] next = new int[producers];
        for (PcapngReader.Packet packet : read.packets()) {
            int tag = tag(packet.data());
            int producer = tag >>> 24;
            int sequence = tag & 0xff_ffff;
            assertTrue(sequence >= next[producer], "producer " + producer + "'s frames in order");
            next[producer] = sequence + 1;
            assertEquals(producer % 2 == 0 ? 1 : 2, packet.direction());
            assertArrayEquals(frame(200, tag).array(), packet.data());
        }
    }

    @Test
    void theCaptureEndsWhenItsNicGoesAwayWithTheFileIntact() throws Exception {
        Path file = dir.resolve("gone.pcapng");
        service.start("vif-1", file, Captures.NO_LIMIT, Captures.NO_LIMIT);
        for (int i = 0; i < 7; i++) {
            vif1.show(Direction.INBOUND, frame(300, i));
        }
        service.unbindNic(vif1.nic());
        assertEquals(0, vif1.monitorCount(), "the monitor is off the Nic when unbind returns");
        Await.until("the capture ended with its Nic", () -> info("vif-1").state() == State.NIC_REMOVED);
        Await.noCaptureThreadLeft();
        assertEquals(7, info("vif-1").framesWritten());
        assertEquals(7, PcapngReader.read(file).packets().size());
        assertEquals(List.of("vif-0"), service.nics());
        assertThrows(IllegalArgumentException.class, () -> service.start("vif-1", dir.resolve("again.pcapng"), 0, 0));
    }

    @Test
    void deactivationEndsEveryCaptureAndItsThread() throws Exception {
        service.start("vif-0", dir.resolve("a.pcapng"), Captures.NO_LIMIT, Captures.NO_LIMIT);
        service.start("vif-1", dir.resolve("b.pcapng"), Captures.NO_LIMIT, Captures.NO_LIMIT);
        for (int i = 0; i < 5; i++) {
            vif0.show(Direction.OUTBOUND, frame(64, i));
            vif1.show(Direction.INBOUND, frame(64, i));
        }
        assertTrue(Await.captureThreadsAlive());
        service.deactivate();
        assertFalse(service.anyWriterAlive(), "every writer ended before deactivate returned");
        assertFalse(Await.captureThreadsAlive());
        for (CaptureInfo info : service.list()) {
            assertEquals(State.STOPPED, info.state());
            assertEquals(5, info.framesWritten(), info.nic());
            assertEquals(5, PcapngReader.read(info.file()).packets().size());
        }
        assertEquals(0, vif0.monitorCount());
        assertEquals(0, vif1.monitorCount());
        assertThrows(IllegalStateException.class, () -> service.start("vif-0", dir.resolve("c.pcapng"), 0, 0));
    }

    @Test
    void deactivationInterruptsAWriterThatAStalledDiskHoldsUp() throws Exception {
        service.deactivate();
        HeldOutput disk = new HeldOutput();
        service = service(disk, CaptureService.MIN_BUFFER_BYTES);
        service.deactivateWaitMillis = 200;
        Path file = dir.resolve("stuck.pcapng");
        service.start("vif-0", file, Captures.NO_LIMIT, Captures.NO_LIMIT);
        vif0.show(Direction.OUTBOUND, frame(64, 0));
        Await.until("the writer held by the disk", () -> disk.held() == 1);
        service.deactivate();
        assertFalse(service.anyWriterAlive(), "the writer was interrupted and ended");
        Await.noCaptureThreadLeft();
        CaptureInfo info = info("vif-0");
        assertEquals(State.FAILED, info.state());
        assertTrue(info.failure().orElseThrow().contains(file.toString()), info.failure().orElseThrow());
        assertEquals(0, vif0.monitorCount());
        disk.release();
    }

    @Test
    void noThreadIsLeftAfterStop() throws Exception {
        for (int round = 0; round < 3; round++) {
            service.start("vif-0", dir.resolve("round.pcapng"), Captures.NO_LIMIT, Captures.NO_LIMIT);
            vif0.show(Direction.OUTBOUND, frame(64, round));
            assertEquals(State.STOPPED, service.stop("vif-0").state());
            assertFalse(service.anyWriterAlive(), "stop waits for the writer");
            Await.noCaptureThreadLeft();
            assertEquals(0, vif0.monitorCount());
        }
    }
}
