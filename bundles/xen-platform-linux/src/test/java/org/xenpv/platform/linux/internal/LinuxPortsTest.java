package org.xenpv.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.PortException;

/**
 * The ports' system-call paths on stand-in files: errors name the device, the
 * operation and the errno; reads, writes and wake-ups work as on the devices.
 */
class LinuxPortsTest {
    private static final long BOUND_SECONDS = 10;

    @TempDir
    Path dir;

    @Test
    void openingAMissingDeviceNamesItAndTheErrno() {
        String path = dir.resolve("evtchn").toString();
        PortException e = assertThrows(PortException.class, () -> DeviceFile.open(path));
        assertEquals(path, e.device());
        assertEquals("open", e.operation());
        assertEquals(Errno.ENOENT.number(), e.errno());
        assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
    }

    @Test
    void anIoctlTheDeviceRefusesIsReportedWithDeviceOperationAndErrno() throws Exception {
        String path = FakeDevices.devNull(dir, "evtchn").toString();
        try (LinuxEventChannelPort port = new LinuxEventChannelPort(DeviceFile.open(path))) {
            PortException e = assertThrows(PortException.class, () -> port.bindUnbound(0));
            assertEquals(path, e.device());
            assertEquals("IOCTL_EVTCHN_BIND_UNBOUND_PORT", e.operation());
            assertEquals(Errno.ENOTTY.number(), e.errno());
            assertTrue(e.getMessage().contains("ENOTTY") && e.getMessage().contains("remote domain 0"),
                    e.getMessage());
            assertEquals("IOCTL_EVTCHN_NOTIFY", assertThrows(PortException.class, () -> port.notify(5)).operation());
        }
    }

    @Test
    void aHypercallTheDeviceRefusesNamesTheHypercall() throws Exception {
        String path = FakeDevices.devNull(dir, "privcmd").toString();
        try (LinuxHypercallPort port = new LinuxHypercallPort(DeviceFile.open(path))) {
            PortException e = assertThrows(PortException.class, () -> port.hypercall(17, 0, 0));
            assertEquals("IOCTL_PRIVCMD_HYPERCALL", e.operation());
            assertEquals(Errno.ENOTTY.number(), e.errno());
            assertTrue(e.getMessage().contains("hypercall 17"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> port.hypercall(17, 1, 2, 3, 4, 5, 6));
        }
    }

    @Test
    void aFailedGrantAllocationHoldsNothing() throws Exception {
        String path = FakeDevices.devNull(dir, "gntalloc").toString();
        try (LinuxGrantAllocPort port = new LinuxGrantAllocPort(DeviceFile.open(path))) {
            PortException e = assertThrows(PortException.class, () -> port.allocate(0, 2, true));
            assertEquals("IOCTL_GNTALLOC_ALLOC_GREF", e.operation());
            assertEquals(Errno.ENOTTY.number(), e.errno());
            assertEquals(0, port.allocationsHeld());
        }
    }

    @Test
    void argumentsOutOfRangeAreRefusedBeforeTheKernelSeesThem() throws Exception {
        String evtchn = FakeDevices.devNull(dir, "evtchn").toString();
        String gntalloc = FakeDevices.devNull(dir, "gntalloc").toString();
        try (LinuxEventChannelPort events = new LinuxEventChannelPort(DeviceFile.open(evtchn));
                LinuxGrantAllocPort grants = new LinuxGrantAllocPort(DeviceFile.open(gntalloc))) {
            assertEquals(Errno.EINVAL.number(), assertThrows(PortException.class, () -> events.bindUnbound(-1)).errno());
            assertEquals(Errno.EINVAL.number(),
                    assertThrows(PortException.class, () -> events.bindInterdomain(0x7ff0, 3)).errno());
            assertEquals(Errno.EINVAL.number(), assertThrows(PortException.class, () -> events.unbind(0)).errno());
            assertEquals(Errno.EINVAL.number(), assertThrows(PortException.class, () -> grants.allocate(0, 0, false)).errno());
            assertEquals(Errno.EINVAL.number(),
                    assertThrows(PortException.class, () -> grants.allocate(70000, 1, false)).errno());
        }
    }

    @Test
    void aClosedPortRefusesOperationsWithEbadf() throws Exception {
        String path = FakeDevices.devNull(dir, "evtchn").toString();
        LinuxEventChannelPort port = new LinuxEventChannelPort(DeviceFile.open(path));
        port.close();
        port.close();
        assertEquals(Errno.EBADF.number(), assertThrows(PortException.class, () -> port.notify(3)).errno());
    }

    @Test
    void unmaskedPortsAreWrittenAsWordsAndPendingPortsReadAsWords() throws Exception {
        // A FIFO returns what is written to it: the write of an unmask comes back as the read of pending ports.
        String path = FakeDevices.fifo(dir, "evtchn").toString();
        try (LinuxEventChannelPort port = new LinuxEventChannelPort(DeviceFile.open(path))) {
            int[] ports = new int[8];
            assertEquals(0, port.awaitPending(ports, 20), "nothing pending yet");
            port.unmask(new int[] {5, 7, 4096, 99}, 3);
            int count = port.awaitPending(ports, TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
            assertArrayEquals(new int[] {5, 7, 4096}, Arrays.copyOf(ports, count));
        }
    }

    @Test
    void closeWakesAThreadWaitingForEvents() throws Exception {
        String path = FakeDevices.fifo(dir, "evtchn").toString();
        LinuxEventChannelPort port = new LinuxEventChannelPort(DeviceFile.open(path));
        CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return port.awaitPending(new int[4], TimeUnit.MINUTES.toMillis(5));
            } catch (PortException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThrows(TimeoutException.class, () -> waiter.get(200, TimeUnit.MILLISECONDS),
                "the waiter blocks while nothing is pending");
        port.close();
        assertEquals(0, waiter.get(BOUND_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void xenbusMessagesGoOutWholeAndReadsEndWhenClosed() throws Exception {
        String path = FakeDevices.fifo(dir, "xenbus").toString();
        LinuxXenbusPort port = new LinuxXenbusPort(DeviceFile.open(path));
        byte[] message = "a whole xs_wire message".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(message.length + 4);
        out.position(2).limit(2 + message.length);
        out.put(message).position(2);
        port.write(out);
        assertEquals(out.limit(), out.position(), "the message was consumed");

        ByteBuffer in = ByteBuffer.allocate(message.length);
        while (in.hasRemaining()) {
            assertTrue(port.read(in) > 0);
        }
        assertArrayEquals(message, in.array());

        CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return port.read(ByteBuffer.allocate(16));
            } catch (PortException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThrows(TimeoutException.class, () -> reader.get(200, TimeUnit.MILLISECONDS),
                "the reader blocks while nothing is there");
        port.close();
        assertEquals(-1, reader.get(BOUND_SECONDS, TimeUnit.SECONDS));
    }
}
