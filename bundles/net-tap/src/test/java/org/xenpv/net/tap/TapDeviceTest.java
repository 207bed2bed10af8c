package org.xenpv.net.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real TAP interface, moved into a namespace of the test's own where the
 * kernel's IP stack (192.0.2.1, TEST-NET-1) answers what the test writes.
 */
class TapDeviceTest {
    private static final long PEER_MAC = 0x02_00_00_00_00_02L;
    private static final int PEER_IP = 0xc0000202; // 192.0.2.2
    private static final int KERNEL_IP = 0xc0000201; // 192.0.2.1
    private NetNamespace namespace;
    private TapDevice tap;
    private TapReadBatch batch;

    @BeforeEach
    void create() throws Exception {
        namespace = NetNamespace.create("tap-test");
        tap = TapDevice.create("xtaptest" + ProcessHandle.current().pid() % 10000);
        batch = new TapReadBatch(16);
    }

    @AfterEach
    void remove() throws Exception {
        if (tap != null) {
            tap.close();
        }
        if (batch != null) {
            batch.close();
        }
        namespace.close();
    }

    private void addressInNamespace() throws Exception {
        namespace.adopt(tap.name());
        namespace.exec("ip", "addr", "add", "192.0.2.1/24", "dev", tap.name());
        namespace.exec("ip", "link", "set", tap.name(), "up");
    }

    @Test
    void macAddressMtuAndCarrierShowOnTheInterface() throws Exception {
        tap.setMacAddress(0x02_16_3e_00_01_00L);
        tap.setMtu(1400);
        tap.setCarrier(false);
        namespace.adopt(tap.name());
        namespace.exec("ip", "link", "set", tap.name(), "up");
        String link = namespace.exec("ip", "-o", "link", "show", "dev", tap.name());
        assertTrue(link.contains("link/ether 02:16:3e:00:01:00"), link);
        assertTrue(link.contains("mtu 1400"), link);
        assertTrue(link.contains("NO-CARRIER"), link);
        tap.setCarrier(true); // works on the descriptor, wherever the interface now is
        String up = namespace.exec("ip", "-o", "link", "show", "dev", tap.name());
        assertFalse(up.contains("NO-CARRIER"), up);
    }

    @Test
    void theKernelAnswersAnArpRequestWrittenToIt() throws Exception {
        addressInNamespace();
        try (TapWriter writer = tap.newWriter()) {
            ByteBuffer request = ByteBuffer.allocateDirect(42);
            putMac(request, 0, 0xffff_ffff_ffffL);
            putMac(request, 6, PEER_MAC);
            request.putShort(12, (short) 0x0806).putShort(14, (short) 1).putShort(16, (short) 0x0800)
                    .put(18, (byte) 6).put(19, (byte) 4).putShort(20, (short) 1);
            putMac(request, 22, PEER_MAC);
            request.putInt(28, PEER_IP).putInt(38, KERNEL_IP);
            ByteBuffer reply = null;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (reply == null && System.nanoTime() < deadline) {
                // IPv6 chatter (router solicitations) may come first; ask again until the reply shows.
                assertTrue(writer.write(request), "the kernel took the frame: errno " + writer.lastErrno());
                reply = findArpReply(2000);
            }
            assertTrue(reply != null, "an ARP reply from 192.0.2.1");
            assertEquals(KERNEL_IP, reply.getInt(28), "sender address");
            assertEquals(PEER_MAC, mac(reply, 32), "target hardware address");
        }
    }

    @Test
    void withChecksumOffloadTheKernelLeavesUdpChecksumsPartialAndSaysWhere() throws Exception {
        tap.setOffloads(new TapDevice.Offloads(true, false, false));
        addressInNamespace();
        namespace.exec("ip", "neigh", "add", "192.0.2.2", "lladdr", "02:00:00:00:00:02", "dev", tap.name());
        ByteBuffer datagram = null;
        VirtioNetHeader header = new VirtioNetHeader();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (datagram == null && System.nanoTime() < deadline) {
            namespace.exec("python3", "-c", "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM);"
                    + " s.sendto(b'x' * 333, ('192.0.2.2', 9))");
            int read = tap.read(batch, 2000);
            for (int i = 0; i < read && datagram == null; i++) {
                ByteBuffer frame = batch.frame(i);
                if (frame.getShort(12) == 0x0800 && frame.get(23) == 17) {
                    datagram = ByteBuffer.allocate(frame.remaining()).put(0, frame, 0, frame.remaining());
                    batch.header(i, header);
                }
            }
        }
        assertTrue(datagram != null, "the UDP datagram came out of the TAP interface");
        assertTrue(header.needsChecksum(), "the kernel left the checksum to us: " + header);
        int located = TransportChecksum.locate(datagram);
        assertEquals(TransportChecksum.start(located), header.checksumStart(), "csum_start");
        assertEquals(TransportChecksum.UDP_CHECKSUM_OFFSET, header.checksumOffset(), "csum_offset");
        assertTrue(TransportChecksum.complete(datagram, header.checksumStart(), header.checksumOffset()));
        assertTrue(TestFrames.transportChecksumIsValid(datagram, header.checksumStart(), 17));
    }

    @Test
    void aClosedDeviceRemovesItsInterfaceAndWakesItsReader() throws Exception {
        String name = tap.name();
        Thread closer = new Thread(() -> tap.close());
        closer.start();
        assertEquals(-1, tap.read(batch, 30_000), "the reader wakes with -1 once closed");
        closer.join();
        NetNamespace.waitFor(name + " gone", 10,
                () -> !java.nio.file.Files.exists(java.nio.file.Path.of("/sys/class/net", name)));
    }

    @Test
    void aSecondDeviceOfTheSameNameIsRefusedClearly() {
        TapException refused = assertThrows(TapException.class, () -> TapDevice.create(tap.name()));
        assertTrue(refused.getMessage().contains(tap.name()), refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TapDevice.create("no/slashes"));
        assertThrows(IllegalArgumentException.class, () -> TapDevice.create("a-name-longer-than-15"));
    }

    private ByteBuffer findArpReply(long millis) throws Exception {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            int read = tap.read(batch, 200);
            for (int i = 0; i < read; i++) {
                ByteBuffer frame = batch.frame(i);
                if (frame.getShort(12) == 0x0806 && frame.getShort(20) == 2) {
                    return ByteBuffer.allocate(frame.remaining()).put(0, frame, 0, frame.remaining());
                }
            }
        }
        return null;
    }

    private static void putMac(ByteBuffer buffer, int at, long mac) {
        for (int i = 0; i < 6; i++) {
            buffer.put(at + i, (byte) (mac >>> (40 - 8 * i)));
        }
    }

    private static long mac(ByteBuffer buffer, int at) {
        long value = 0;
        for (int i = 0; i < 6; i++) {
            value = value << 8 | (buffer.get(at + i) & 0xff);
        }
        return value;
    }
}
