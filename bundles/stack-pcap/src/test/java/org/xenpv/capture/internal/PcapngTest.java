package org.xenpv.capture.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class PcapngTest {

    @Test
    void blocksHaveTheirSpecifiedLayout() {
        ByteBuffer out = ByteBuffer.allocate(1 << 16);
        Pcapng.putSectionHeader(out);
        assertEquals(Pcapng.sectionHeaderLength(), out.position());
        byte[] name = Pcapng.name("vif-0");
        Pcapng.putInterfaceDescription(out, name, 65535);
        assertEquals(Pcapng.sectionHeaderLength() + Pcapng.interfaceDescriptionLength(name), out.position());
        byte[] frame = new byte[61];
        Arrays.fill(frame, (byte) 0x5a);
        int before = out.position();
        Pcapng.putEnhancedPacket(out, 0, 0x0001_0002_0003_0004L, 1500, Pcapng.FLAGS_OUTBOUND, frame, 0, 61);
        assertEquals(Pcapng.enhancedPacketLength(61), out.position() - before);
        assertEquals(44 + 64, Pcapng.enhancedPacketLength(61));

        byte[] bytes = Arrays.copyOf(out.array(), out.position());
        assertArrayEquals(new byte[] {0x0A, 0x0D, 0x0D, 0x0A}, Arrays.copyOf(bytes, 4), "SHB type, as bytes");
        assertArrayEquals(new byte[] {0x4D, 0x3C, 0x2B, 0x1A}, Arrays.copyOfRange(bytes, 8, 12), "little-endian magic");
        ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int epb = before;
        assertEquals(0x0001_0002, le.getInt(epb + 12), "timestamp high");
        assertEquals(0x0003_0004, le.getInt(epb + 16), "timestamp low");
        assertEquals(0, le.get(epb + 28 + 61), "data padded with zeroes");

        PcapngReader.File file = PcapngReader.read(bytes);
        assertEquals(1, file.linkType());
        assertEquals(65535, file.snapLength());
        assertEquals("vif-0", file.interfaceName());
        assertEquals(9, file.tsresol());
        assertEquals(1, file.packets().size());
        PcapngReader.Packet packet = file.packets().get(0);
        assertEquals(0, packet.interfaceId());
        assertEquals(0x0001_0002_0003_0004L, packet.timestamp());
        assertEquals(1500, packet.originalLength());
        assertArrayEquals(frame, packet.data());
        assertEquals(2, packet.direction());
    }

    @Test
    void framesOfEveryPaddingAreFramedRight() {
        ByteBuffer out = ByteBuffer.allocate(1 << 16);
        Pcapng.putSectionHeader(out);
        Pcapng.putInterfaceDescription(out, Pcapng.name("a-nic-name"), 65535);
        for (int length = 14; length < 22; length++) {
            byte[] frame = new byte[length];
            Arrays.fill(frame, (byte) length);
            Pcapng.putEnhancedPacket(out, 0, length, length, Pcapng.FLAGS_INBOUND, frame, 0, length);
        }
        PcapngReader.File file = PcapngReader.read(Arrays.copyOf(out.array(), out.position()));
        assertEquals("a-nic-name", file.interfaceName());
        assertEquals(8, file.packets().size());
        for (PcapngReader.Packet packet : file.packets()) {
            assertEquals(packet.timestamp(), packet.data().length);
            assertEquals(1, packet.direction());
        }
    }
}
