package org.xenpv.stack.tap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.net.LinkState;
import org.xenpv.net.Offload;
import org.xenpv.net.tap.NetNamespace;
import org.xenpv.net.tap.TestFrames;
import org.xenpv.net.tap.TransportChecksum;
import org.xenpv.stack.tap.TapStack;

/**
 * The TAP stack against the real kernel: its interface is moved into a
 * namespace of the test's own, addressed 192.0.2.1 (TEST-NET-1), and the
 * kernel's IP stack there talks to a fake Nic at 192.0.2.2.
 */
class TapStackTest {
    private static final String PEER_IP = "192.0.2.2";
    private static final long PEER_MAC = 0x02_00_00_00_00_02L;
    private static final int KERNEL_IP = 0xc0000201;
    private final String name = "xtstk" + ProcessHandle.current().pid() % 100000;
    private NetNamespace namespace;
    private FakeNic nic;
    private TapStackComponent stack;

    static TapStackComponent.Config config(String nicTarget, String interfaceName) {
        return new TapStackComponent.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return TapStackComponent.Config.class;
            }

            @Override
            public String nic_target() {
                return nicTarget;
            }

            @Override
            public String interface$() {
                return interfaceName;
            }
        };
    }

    @BeforeEach
    void start() throws Exception {
        namespace = NetNamespace.create("tapstack");
        nic = new FakeNic();
        stack = new TapStackComponent(nic, config("(nic.device=fake-0)", name));
        assertEquals(TapStack.State.RUNNING, stack.state(), stack.failure().orElse(""));
    }

    @AfterEach
    void stop() throws Exception {
        stack.deactivate();
        namespace.close();
    }

    private void addressInNamespace() throws Exception {
        namespace.adopt(name);
        namespace.exec("ip", "addr", "add", "192.0.2.1/24", "dev", name);
        namespace.exec("ip", "link", "set", name, "up");
        namespace.exec("ip", "neigh", "add", PEER_IP, "lladdr", "02:00:00:00:00:02", "dev", name);
    }

    @Test
    void theInterfaceHasTheNicsAddressAndMtuAndItsCarrierFollowsTheLink() throws Exception {
        addressInNamespace();
        String link = namespace.exec("ip", "-o", "link", "show", "dev", name);
        assertTrue(link.contains("link/ether " + FakeNic.MAC), link);
        assertTrue(link.contains("mtu 1500"), link);
        assertFalse(link.contains("NO-CARRIER"), link);
        nic.link(LinkState.DOWN);
        assertTrue(namespace.exec("ip", "-o", "link", "show", "dev", name).contains("NO-CARRIER"));
        nic.link(LinkState.UP);
        assertFalse(namespace.exec("ip", "-o", "link", "show", "dev", name).contains("NO-CARRIER"));
    }

    @Test
    void aKernelDatagramReachesTheNicWithItsChecksumLeftBlank() throws Exception {
        addressInNamespace();
        FakeNic.Sent datagram = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (datagram == null && System.nanoTime() < deadline) {
            namespace.exec("python3", "-c", "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM);"
                    + " s.sendto(b'y' * 777, ('" + PEER_IP + "', 9))");
            FakeNic.Sent next;
            while ((next = nic.sent.poll(500, TimeUnit.MILLISECONDS)) != null) {
                ByteBuffer frame = ByteBuffer.wrap(next.frame());
                if (frame.getShort(12) == 0x0800 && frame.get(23) == 17) {
                    datagram = next;
                    break;
                }
            }
        }
        assertNotNull(datagram, "the kernel's UDP datagram reached the Nic");
        assertEquals(Offload.CHECKSUM_BLANK, datagram.offload(), "netif is told the checksum is blank");
        ByteBuffer frame = ByteBuffer.wrap(datagram.frame());
        assertTrue(TransportChecksum.complete(frame, 34, TransportChecksum.UDP_CHECKSUM_OFFSET));
        assertTrue(TestFrames.transportChecksumIsValid(frame, 34, 17), "the partial checksum was the kernel's");
        assertTrue(nic.flushes.get() > 0, "the stack told the Nic to push its batch");
    }

    @Test
    void aPingFromTheNicIsAnsweredByTheKernel() throws Exception {
        addressInNamespace();
        ByteBuffer reply = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reply == null && System.nanoTime() < deadline) {
            nic.deliver(echoRequest(), Offload.NONE);
            FakeNic.Sent next;
            while ((next = nic.sent.poll(500, TimeUnit.MILLISECONDS)) != null) {
                ByteBuffer frame = ByteBuffer.wrap(next.frame());
                if (frame.getShort(12) == 0x0800 && frame.get(23) == 1 && frame.get(34) == 0) {
                    reply = frame;
                    break;
                }
            }
        }
        assertNotNull(reply, "an ICMP echo reply from 192.0.2.1");
        assertEquals(KERNEL_IP, reply.getInt(26), "from the kernel's address");
        assertTrue(stack.counters().toKernel() > 0);
    }

    @Test
    void aBlankChecksumFromTheNicIsFilledInByTheKernelAndABadOneIsNotAccepted() throws Exception {
        addressInNamespace();
        Process listener = namespace.start("python3", "-c", "import socket,sys; s=socket.socket(socket.AF_INET,"
                + " socket.SOCK_DGRAM); s.bind(('192.0.2.1', 5555)); s.settimeout(20); print('ready', flush=True);"
                + " [print(s.recvfrom(2000)[0].decode(), flush=True) for _ in range(1)]");
        try {
            assertEquals("ready", new String(listener.getInputStream().readNBytes(6)).trim());
            ByteBuffer bad = udpTo5555("bad");
            bad.putShort(34 + 6, (short) 0x1234); // a wrong checksum, not marked blank: the kernel drops it
            nic.deliver(bad, Offload.NONE);
            ByteBuffer partial = udpTo5555("good");
            partial.putShort(34 + 6, (short) TestFrames.pseudoHeaderSum(partial, 34, 17));
            nic.deliver(partial, Offload.CHECKSUM_BLANK);
            assertTrue(listener.waitFor(20, TimeUnit.SECONDS), "the listener got a datagram");
            String got = new String(listener.getInputStream().readAllBytes()).trim();
            assertEquals("good", got, "only the datagram with a blank checksum arrived");
        } finally {
            listener.destroyForcibly();
        }
    }

    @Test
    void aFullNicQueueIsWaitedOutNotDropped() throws Exception {
        addressInNamespace();
        nic.fullAnswersLeft.set(5);
        namespace.exec("python3", "-c", "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM);"
                + " s.sendto(b'z' * 100, ('" + PEER_IP + "', 9))");
        NetNamespace.waitFor("the datagram offered past a full queue", 10,
                () -> nic.fullAnswersLeft.get() == 0 && stack.counters().toNic() > 0);
        assertEquals(0, stack.counters().toNicDropped(), "nothing dropped while the queue was full");
    }

    @Test
    void closingRemovesTheInterfaceAndItsThread() throws Exception {
        stack.deactivate();
        assertFalse(nic.hasReceiver(), "the Nic's receiver is cleared");
        NetNamespace.waitFor("interface gone", 10, () -> !Files.exists(Path.of("/sys/class/net", name)));
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("xenpv-tap-" + name)), "the reader thread ended");
        assertEquals(TapStack.State.CLOSED, stack.state());
    }

    @Test
    void aNameThatIsTakenFailsTheStackClearlyAndLeavesTheNicAlone() {
        FakeNic other = new FakeNic();
        TapStackComponent taken = new TapStackComponent(other, config("(nic.device=fake-0)", "lo"));
        try {
            assertEquals(TapStack.State.FAILED, taken.state());
            assertTrue(taken.failure().orElseThrow().contains("lo"), taken.failure().orElseThrow());
            assertFalse(other.hasReceiver(), "a failed stack takes no frames");
        } finally {
            taken.deactivate();
        }
    }

    private static ByteBuffer echoRequest() {
        ByteBuffer frame = ipv4Frame(1, 8 + 56);
        int icmp = 34;
        frame.put(icmp, (byte) 8).putShort(icmp + 4, (short) 0x4242).putShort(icmp + 6, (short) 1);
        for (int i = 8; i < 64; i++) {
            frame.put(icmp + i, (byte) i);
        }
        frame.putShort(icmp + 2, (short) checksum(frame, icmp, 64));
        return frame;
    }

    private static ByteBuffer udpTo5555(String text) {
        byte[] payload = text.getBytes();
        ByteBuffer frame = ipv4Frame(17, 8 + payload.length);
        frame.putShort(34, (short) 40000).putShort(36, (short) 5555).putShort(38, (short) (8 + payload.length));
        frame.put(42, payload);
        return frame;
    }

    /** An IPv4 frame from the fake Nic's peer to the kernel's address, header checksum filled in. */
    private static ByteBuffer ipv4Frame(int protocol, int transportBytes) {
        ByteBuffer frame = ByteBuffer.allocateDirect(34 + transportBytes);
        FakeNic.MAC.write(frame, 0);
        for (int i = 0; i < 6; i++) {
            frame.put(6 + i, (byte) (PEER_MAC >>> (40 - 8 * i)));
        }
        frame.putShort(12, (short) 0x0800).put(14, (byte) 0x45).putShort(16, (short) (20 + transportBytes))
                .put(22, (byte) 64).put(23, (byte) protocol).putInt(26, 0xc0000202).putInt(30, KERNEL_IP);
        frame.putShort(24, (short) checksum(frame, 14, 20));
        return frame;
    }

    private static int checksum(ByteBuffer buffer, int at, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += (buffer.get(at + i) & 0xff) << 8 | (i + 1 < length ? buffer.get(at + i + 1) & 0xff : 0);
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) ~sum & 0xffff;
    }
}
