package org.xenpv.stack.ping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.net.MacAddress;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.Offload;

/** The answers the ping stack builds, byte by byte, against what RFC 826 and RFC 792 require. */
class PingStackTest {
    private static final MacAddress OURS = MacAddress.parse("00:16:3e:00:01:00");
    private static final MacAddress THEIRS = MacAddress.parse("fe:ff:ff:ff:ff:ff");
    private static final int OUR_IP = 0xc0a80002; // 192.168.0.2
    private static final int THEIR_IP = 0xc0a80001;

    private final List<byte[]> sent = new ArrayList<>();
    private PingStack stack;

    /** A Nic that records what is sent; only what the stack calls is answered. */
    private Nic recordingNic() {
        return (Nic) Proxy.newProxyInstance(Nic.class.getClassLoader(), new Class<?>[] {Nic.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "macAddress" -> OURS;
                    case "state" -> NicState.ACTIVE;
                    case "name" -> "vif-0";
                    case "send" -> {
                        ByteBuffer frame = (ByteBuffer) args[0];
                        byte[] copy = new byte[frame.remaining()];
                        frame.get(frame.position(), copy);
                        sent.add(copy);
                        yield true;
                    }
                    default -> null;
                });
    }

    @BeforeEach
    void start() throws Exception {
        stack = new PingStack(recordingNic(), new PingStack.Config() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return PingStack.Config.class;
            }

            @Override
            public String nic_target() {
                return "(nic.device=vif-0)";
            }

            @Override
            public String address() {
                return "192.168.0.2";
            }
        });
        assertEquals(1, sent.size(), "a gratuitous ARP at start");
        ByteBuffer announce = ByteBuffer.wrap(sent.remove(0));
        assertEquals(MacAddress.BROADCAST, MacAddress.read(announce, 0));
        assertEquals(OUR_IP, announce.getInt(14 + 14));
        assertEquals(OUR_IP, announce.getInt(14 + 24));
    }

    private static ByteBuffer ethernet(int size, MacAddress to, int type) {
        ByteBuffer frame = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        to.write(frame, 0);
        THEIRS.write(frame, 6);
        frame.put(12, (byte) (type >> 8)).put(13, (byte) type);
        return frame;
    }

    @Test
    void answersAnArpRequestForItsAddressOnly() {
        ByteBuffer request = ethernet(60, MacAddress.BROADCAST, 0x0806).order(ByteOrder.BIG_ENDIAN);
        request.putShort(14, (short) 1).putShort(16, (short) 0x0800).put(18, (byte) 6).put(19, (byte) 4)
                .putShort(20, (short) 1);
        THEIRS.write(request, 22);
        request.putInt(28, THEIR_IP).putInt(38, OUR_IP);
        stack.receive(0, request.duplicate(), Offload.NONE);
        assertEquals(1, sent.size());
        ByteBuffer reply = ByteBuffer.wrap(sent.get(0));
        assertEquals(THEIRS, MacAddress.read(reply, 0));
        assertEquals(OURS, MacAddress.read(reply, 6));
        assertEquals(0x0806, reply.getShort(12) & 0xffff);
        assertEquals(2, reply.getShort(20), "an ARP reply");
        assertEquals(OURS, MacAddress.read(reply, 22));
        assertEquals(OUR_IP, reply.getInt(28));
        assertEquals(THEIRS, MacAddress.read(reply, 32));
        assertEquals(THEIR_IP, reply.getInt(38));

        request.putInt(38, OUR_IP + 1);
        stack.receive(0, request.duplicate(), Offload.NONE);
        assertEquals(1, sent.size(), "no answer for another address");
    }

    @Test
    void answersAnEchoRequestWithValidChecksums() {
        int payload = 56;
        ByteBuffer request = ethernet(14 + 20 + 8 + payload, OURS, 0x0800).order(ByteOrder.BIG_ENDIAN);
        request.put(14, (byte) 0x45).putShort(16, (short) (20 + 8 + payload)).put(22, (byte) 64).put(23, (byte) 1)
                .putInt(26, THEIR_IP).putInt(30, OUR_IP);
        request.putShort(24, (short) PingStack.checksum(request, 14, 20));
        request.put(34, (byte) 8).putShort(38, (short) 0x1234).putShort(40, (short) 7);
        for (int i = 0; i < payload; i++) {
            request.put(42 + i, (byte) i);
        }
        request.putShort(36, (short) PingStack.checksum(request, 34, 8 + payload));
        stack.receive(0, request.duplicate(), Offload.NONE);
        assertEquals(1, sent.size());
        ByteBuffer reply = ByteBuffer.wrap(sent.get(0));
        assertEquals(THEIRS, MacAddress.read(reply, 0));
        assertEquals(OUR_IP, reply.getInt(26));
        assertEquals(THEIR_IP, reply.getInt(30));
        assertEquals(0, PingStack.checksum(reply, 14, 20), "the IP header checksum verifies");
        assertEquals(0, reply.get(34), "an echo reply");
        assertEquals(0x1234, reply.getShort(38) & 0xffff, "the identifier is kept");
        assertEquals(7, reply.getShort(40), "the sequence number is kept");
        assertEquals(0, PingStack.checksum(reply, 34, 8 + payload), "the ICMP checksum verifies");
        for (int i = 0; i < payload; i++) {
            assertEquals((byte) i, reply.get(42 + i), "payload byte " + i);
        }
        assertEquals(1, stack.echoReplies.get());
    }
}
