package org.xenpv.stack.tap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.xenpv.net.NicCapabilities;
import org.xenpv.net.Offload;
import org.xenpv.net.tap.TapDevice;
import org.xenpv.net.tap.TestFrames;
import org.xenpv.net.tap.VirtioNetHeader;

class OffloadMappingTest {
    private final OffloadMapping mapping = new OffloadMapping();

    @Test
    void aPartialChecksumWhereNetifLooksForItIsLeftBlank() {
        ByteBuffer frame = TestFrames.ipv4(6, 100);
        VirtioNetHeader header = new VirtioNetHeader().needsChecksum(34, 16);
        assertSame(Offload.CHECKSUM_BLANK, mapping.fromKernel(header, frame));
        assertEquals(0, mapping.checksumsCompleted());
    }

    @Test
    void aPartialChecksumNetifCannotExpressIsFinishedHere() {
        ByteBuffer frame = TestFrames.ipv4(17, 50);
        frame.putShort(34 + 6, (short) TestFrames.pseudoHeaderSum(frame, 34, 17));
        // The kernel asks for a checksum over the UDP datagram but stores it elsewhere than netif would look:
        // netif cannot say that, so the frame leaves with its checksum done.
        VirtioNetHeader header = new VirtioNetHeader().needsChecksum(34, 6);
        ByteBuffer tunnelled = TestFrames.ipv4(47, 60); // GRE: netif's peer would not find a checksum there
        tunnelled.putShort(34 + 6, (short) 0);
        assertSame(Offload.DATA_VALIDATED, mapping.fromKernel(new VirtioNetHeader().needsChecksum(34, 6),
                tunnelled));
        assertEquals(1, mapping.checksumsCompleted());
        assertSame(Offload.CHECKSUM_BLANK, mapping.fromKernel(header, frame));
    }

    @Test
    void superFramesKeepTheirSegmentSizeAndReuseTheirOffload() {
        ByteBuffer frame = TestFrames.ipv4(6, 3000);
        VirtioNetHeader header = new VirtioNetHeader().needsChecksum(34, 16)
                .segmentation(VirtioNetHeader.GSO_TCPV4, 1448, 54);
        Offload first = mapping.fromKernel(header, frame);
        assertEquals(Offload.gso(Offload.GsoType.TCPV4, 1448), first);
        assertSame(first, mapping.fromKernel(header, frame), "no allocation for the same segment size");
        ByteBuffer v6 = TestFrames.ipv6WithHopByHop(6, 3000);
        VirtioNetHeader header6 = new VirtioNetHeader().needsChecksum(62, 16)
                .segmentation(VirtioNetHeader.GSO_TCPV6, 1428, 82);
        assertEquals(Offload.gso(Offload.GsoType.TCPV6, 1428), mapping.fromKernel(header6, v6));
    }

    @Test
    void whatNetifCannotCarryIsRefused() {
        ByteBuffer frame = TestFrames.ipv4(6, 3000);
        // a super-frame without a blank checksum, or with its checksum elsewhere, or UDP fragmentation
        assertNull(mapping.fromKernel(new VirtioNetHeader().segmentation(VirtioNetHeader.GSO_TCPV4, 1448, 54),
                frame));
        assertNull(mapping.fromKernel(new VirtioNetHeader().needsChecksum(20, 16)
                .segmentation(VirtioNetHeader.GSO_TCPV4, 1448, 54), frame));
        VirtioNetHeader udp = new VirtioNetHeader();
        udp.readFrom(ByteBuffer.wrap(new byte[] {1, 3, 0, 0, 0, 5, 34, 0, 6, 0})
                .order(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        assertNull(mapping.fromKernel(udp, TestFrames.ipv4(17, 3000)));
        // a checksum position outside the frame
        assertNull(mapping.fromKernel(new VirtioNetHeader().needsChecksum(60000, 6), frame));
    }

    @Test
    void dataValidAndNothingMapAsTheyAre() {
        ByteBuffer frame = TestFrames.ipv4(6, 10);
        assertSame(Offload.DATA_VALIDATED, mapping.fromKernel(new VirtioNetHeader().dataValid(), frame));
        assertSame(Offload.NONE, mapping.fromKernel(new VirtioNetHeader(), frame));
    }

    @Test
    void towardTheKernelABlankChecksumIsLocatedAndASuperFrameSaysItsHeaders() {
        VirtioNetHeader header = new VirtioNetHeader();
        assertTrue(OffloadMapping.toKernel(Offload.CHECKSUM_BLANK, TestFrames.ipv4(17, 10), header));
        assertTrue(header.needsChecksum());
        assertEquals(34, header.checksumStart());
        assertEquals(6, header.checksumOffset());
        assertFalse(header.isDataValid());

        ByteBuffer v6 = TestFrames.ipv6WithHopByHop(6, 5000);
        assertTrue(OffloadMapping.toKernel(Offload.gso(Offload.GsoType.TCPV6, 1400), v6, header));
        assertEquals(VirtioNetHeader.GSO_TCPV6, header.gsoType());
        assertEquals(1400, header.gsoSize());
        assertEquals(62 + 20, header.headerLength());
        assertEquals(62, header.checksumStart());
        assertEquals(16, header.checksumOffset());

        assertTrue(OffloadMapping.toKernel(Offload.DATA_VALIDATED, TestFrames.ipv4(6, 10), header));
        assertTrue(header.isDataValid());
        assertFalse(header.needsChecksum(), "the header was cleared first");

        ByteBuffer arp = ByteBuffer.allocate(60).putShort(12, (short) 0x0806);
        assertFalse(OffloadMapping.toKernel(Offload.CHECKSUM_BLANK, arp, header),
                "a blank checksum with nowhere to put it");
    }

    @Test
    void theKernelIsOfferedExactlyWhatTheNicCanSend() {
        assertEquals(new TapDevice.Offloads(true, true, true),
                TapBridge.offloadsFor(new NicCapabilities(true, true, true, true, true, 0xffff)));
        assertEquals(new TapDevice.Offloads(true, true, false),
                TapBridge.offloadsFor(new NicCapabilities(true, true, false, true, false, 0xffff)));
        assertEquals(new TapDevice.Offloads(true, false, false),
                TapBridge.offloadsFor(new NicCapabilities(false, true, false, true, true, 1514)),
                "no segmentation without scatter-gather");
        assertEquals(TapDevice.Offloads.NONE,
                TapBridge.offloadsFor(new NicCapabilities(false, false, false, false, false, 1514)));
    }
}
