package org.xenpv.sim.netback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.xenpv.abi.netif.Netif;
import org.xenpv.net.tap.TestFrames;
import org.xenpv.net.tap.VirtioNetHeader;

/** The offload mapping between a host interface's virtio-net headers and netif, both ways, without a TAP. */
class HostOffloadsTest {
    private final HostCounters counters = new HostCounters();

    private static byte[] bytes(ByteBuffer frame) {
        byte[] copy = new byte[frame.remaining()];
        frame.get(frame.position(), copy);
        return copy;
    }

    // --- from the host to the guest ---

    @Test
    void aPartialChecksumWhereNetifWouldLookForItStaysBlank() {
        ByteBuffer tcp = TestFrames.ipv4(6, 100);
        byte[] before = bytes(tcp);
        VirtioNetHeader header = new VirtioNetHeader().needsChecksum(34, 16);
        SimFrame frame = HostOffloads.fromHost(header, tcp, counters);
        assertNotNull(frame);
        assertTrue(frame.checksumBlank());
        assertFalse(frame.dataValidated());
        assertEquals(0, frame.gsoType());
        assertArrayEquals(before, frame.data(), "the frame is passed as it is");

        ByteBuffer udp6 = TestFrames.ipv6WithHopByHop(17, 33);
        SimFrame blank6 = HostOffloads.fromHost(new VirtioNetHeader().needsChecksum(62, 6), udp6, counters);
        assertTrue(blank6.checksumBlank(), "past IPv6 extension headers too");
    }

    @Test
    void aPartialChecksumNetifCannotPlaceIsCompletedAndTheFramePassesPlain() {
        // An IPv6 extension header the parser does not walk (mobility, 135) hides the TCP header from it;
        // the kernel says where the checksum is, so it is finished here.
        ByteBuffer frame = TestFrames.ipv6WithHopByHop(6, 200);
        frame.put(20, (byte) 135);
        frame.putShort(62 + 16, (short) TestFrames.pseudoHeaderSum(frame, 62, 6));
        assertFalse(TestFrames.transportChecksumIsValid(frame, 62, 6));
        SimFrame mapped = HostOffloads.fromHost(new VirtioNetHeader().needsChecksum(62, 16).dataValid(), frame,
                counters);
        assertNotNull(mapped);
        assertFalse(mapped.checksumBlank());
        assertTrue(mapped.dataValidated());
        assertTrue(TestFrames.transportChecksumIsValid(ByteBuffer.wrap(mapped.data()), 62, 6),
                "the guest gets a complete checksum");

        // The kernel's offsets win over the parser's: TCP at 34, but the kernel names another place.
        ByteBuffer elsewhere = TestFrames.ipv4(6, 64);
        SimFrame completed = HostOffloads.fromHost(new VirtioNetHeader().needsChecksum(34, 6), elsewhere, counters);
        assertFalse(completed.checksumBlank());
        assertEquals(0, counters.droppedFromHost.sum());
    }

    @Test
    void aPartialChecksumOutsideTheFrameIsDroppedAndCounted() {
        ByteBuffer frame = TestFrames.ipv4(17, 4);
        assertNull(HostOffloads.fromHost(new VirtioNetHeader().needsChecksum(frame.limit() - 1, 6), frame,
                counters));
        assertEquals(1, counters.droppedFromHost.sum());
    }

    @Test
    void validatedDataStaysValidated() {
        SimFrame frame = HostOffloads.fromHost(new VirtioNetHeader().dataValid(), TestFrames.ipv4(17, 10), counters);
        assertTrue(frame.dataValidated());
        assertFalse(frame.checksumBlank());
        SimFrame plain = HostOffloads.fromHost(new VirtioNetHeader(), TestFrames.ipv4(17, 10), counters);
        assertFalse(plain.dataValidated() || plain.checksumBlank() || plain.gsoType() != 0 || plain.gsoSize() != 0);
    }

    @Test
    void tcpSuperFramesBecomeNetifGso() {
        VirtioNetHeader v4 = new VirtioNetHeader().segmentation(VirtioNetHeader.GSO_TCPV4, 1448, 54)
                .needsChecksum(34, 16);
        SimFrame frame = HostOffloads.fromHost(v4, TestFrames.ipv4(6, 20_000), counters);
        assertEquals(Netif.XEN_NETIF_GSO_TYPE_TCPV4, frame.gsoType());
        assertEquals(1448, frame.gsoSize());
        assertTrue(frame.checksumBlank());

        VirtioNetHeader v6 = new VirtioNetHeader().segmentation(VirtioNetHeader.GSO_TCPV6, 1428, 82)
                .needsChecksum(62, 16);
        SimFrame frame6 = HostOffloads.fromHost(v6, TestFrames.ipv6WithHopByHop(6, 9_000), counters);
        assertEquals(Netif.XEN_NETIF_GSO_TYPE_TCPV6, frame6.gsoType());
        assertEquals(1428, frame6.gsoSize());

        ByteBuffer ecn = ByteBuffer.allocate(VirtioNetHeader.SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        v4.writeTo(ecn, 0);
        ecn.put(1, (byte) (VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN));
        SimFrame withEcn = HostOffloads.fromHost(new VirtioNetHeader().readFrom(ecn, 0), TestFrames.ipv4(6, 5000),
                counters);
        assertEquals(Netif.XEN_NETIF_GSO_TYPE_TCPV4, withEcn.gsoType(), "ECN's flag has no netif word: TCPv4");
    }

    @Test
    void segmentationNetifCannotExpressIsDroppedAndCounted() {
        ByteBuffer udp = ByteBuffer.allocate(VirtioNetHeader.SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        new VirtioNetHeader().needsChecksum(34, 6).writeTo(udp, 0);
        udp.put(1, (byte) VirtioNetHeader.GSO_UDP).putShort(4, (short) 1400);
        assertNull(HostOffloads.fromHost(new VirtioNetHeader().readFrom(udp, 0), TestFrames.ipv4(17, 5000),
                counters));
        ByteBuffer noSize = ByteBuffer.allocate(VirtioNetHeader.SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        new VirtioNetHeader().needsChecksum(34, 16).writeTo(noSize, 0);
        noSize.put(1, (byte) VirtioNetHeader.GSO_TCPV4);
        assertNull(HostOffloads.fromHost(new VirtioNetHeader().readFrom(noSize, 0), TestFrames.ipv4(6, 5000),
                counters));
        VirtioNetHeader noChecksum = new VirtioNetHeader().segmentation(VirtioNetHeader.GSO_TCPV4, 1448, 54);
        assertNull(HostOffloads.fromHost(noChecksum, TestFrames.ipv4(6, 5000), counters));
        assertEquals(3, counters.droppedFromHost.sum());
        // A super-frame's checksum somewhere netif cannot say: no one could finish it for the guest.
        VirtioNetHeader misplaced = new VirtioNetHeader().segmentation(VirtioNetHeader.GSO_TCPV4, 1448, 54)
                .needsChecksum(34, 6);
        assertNull(HostOffloads.fromHost(misplaced, TestFrames.ipv4(6, 5000), counters));
        assertEquals(4, counters.droppedFromHost.sum());
    }

    @Test
    void theFramesPositionIsRespected() {
        ByteBuffer frame = TestFrames.ipv4(6, 40);
        ByteBuffer shifted = ByteBuffer.allocate(frame.capacity() + 7).put(7, frame, 0, frame.capacity())
                .position(7);
        SimFrame mapped = HostOffloads.fromHost(new VirtioNetHeader().needsChecksum(34, 16), shifted, counters);
        assertTrue(mapped.checksumBlank());
        assertArrayEquals(frame.array(), mapped.data());
    }

    // --- from the guest to the host ---

    private static ByteBuffer direct(ByteBuffer frame) {
        ByteBuffer copy = ByteBuffer.allocateDirect(frame.remaining());
        copy.put(0, frame, frame.position(), frame.remaining());
        return copy;
    }

    private static SimFrame fromGuest(ByteBuffer data, boolean blank, boolean validated, int gsoType, int gsoSize) {
        return new SimFrame(bytes(data), blank, validated, gsoType, gsoSize);
    }

    @Test
    void aBlankChecksumIsLocatedForTheKernel() {
        for (ByteBuffer data : new ByteBuffer[] {TestFrames.ipv4(6, 100), TestFrames.ipv4(17, 100),
            TestFrames.ipv6WithHopByHop(6, 100), TestFrames.ipv6WithHopByHop(17, 100)}) {
            VirtioNetHeader header = new VirtioNetHeader();
            // netfront's CHECKSUM_BLANK says validated too; a partial checksum is what the kernel is told.
            assertTrue(HostOffloads.toHost(fromGuest(data, true, true, 0, 0), direct(data), header, counters));
            int start = data.getShort(12) == 0x0800 ? 34 : 62;
            int offset = data.get(data.getShort(12) == 0x0800 ? 23 : 54) == 6 ? 16 : 6;
            assertEquals(VirtioNetHeader.F_NEEDS_CSUM, header.flags(), header.toString());
            assertEquals(start, header.checksumStart());
            assertEquals(offset, header.checksumOffset());
            assertEquals(VirtioNetHeader.GSO_NONE, header.gsoType());
        }
    }

    @Test
    void aBlankChecksumThatCannotBeLocatedIsDroppedAndCounted() {
        ByteBuffer arp = ByteBuffer.allocate(60).putShort(12, (short) 0x0806);
        VirtioNetHeader header = new VirtioNetHeader();
        assertFalse(HostOffloads.toHost(fromGuest(arp, true, true, 0, 0), direct(arp), header, counters));
        assertEquals(1, counters.droppedChecksum.sum());
        assertEquals(0, header.flags(), "nothing left in the header for the next frame");
    }

    @Test
    void validatedOrPlainFramesSaySoAndNothingMore() {
        ByteBuffer data = TestFrames.ipv4(17, 20);
        VirtioNetHeader header = new VirtioNetHeader().needsChecksum(1, 2); // stale state from before is cleared
        assertTrue(HostOffloads.toHost(fromGuest(data, false, true, 0, 0), direct(data), header, counters));
        assertEquals(VirtioNetHeader.F_DATA_VALID, header.flags());
        assertTrue(HostOffloads.toHost(fromGuest(data, false, false, 0, 0), direct(data), header, counters));
        assertEquals(0, header.flags());
        assertEquals(0, header.checksumStart());
    }

    @Test
    void gsoBecomesATcpSuperFrameWithItsHeaderLength() {
        ByteBuffer v4 = TestFrames.ipv4(6, 30_000);
        v4.put(34 + 12, (byte) 0x80); // 32 bytes of TCP header (12 of options)
        VirtioNetHeader header = new VirtioNetHeader();
        assertTrue(HostOffloads.toHost(fromGuest(v4, true, true, Netif.XEN_NETIF_GSO_TYPE_TCPV4, 1448), direct(v4),
                header, counters));
        assertEquals(VirtioNetHeader.GSO_TCPV4, header.gsoType());
        assertEquals(1448, header.gsoSize());
        assertEquals(34 + 32, header.headerLength());
        assertTrue(header.needsChecksum());
        assertEquals(34, header.checksumStart());
        assertEquals(16, header.checksumOffset());

        ByteBuffer v6 = TestFrames.ipv6WithHopByHop(6, 20_000);
        assertTrue(HostOffloads.toHost(fromGuest(v6, true, true, Netif.XEN_NETIF_GSO_TYPE_TCPV6, 1428), direct(v6),
                header, counters));
        assertEquals(VirtioNetHeader.GSO_TCPV6, header.gsoType());
        assertEquals(62 + 20, header.headerLength());
        assertEquals(62, header.checksumStart());
    }

    @Test
    void aSuperFrameWhoseChecksumWasNotLeftBlankGetsItsPseudoHeaderSum() {
        ByteBuffer v4 = TestFrames.ipv4(6, 10_000);
        ByteBuffer data = direct(v4);
        data.putShort(34 + 16, (short) 0x1234); // whatever a full checksum was
        VirtioNetHeader header = new VirtioNetHeader();
        assertTrue(HostOffloads.toHost(fromGuest(v4, false, false, Netif.XEN_NETIF_GSO_TYPE_TCPV4, 1448), data,
                header, counters));
        assertEquals((short) TestFrames.pseudoHeaderSum(v4, 34, 6), data.getShort(34 + 16));
        assertTrue(header.needsChecksum());

        ByteBuffer v6 = TestFrames.ipv6WithHopByHop(6, 10_000);
        ByteBuffer data6 = direct(v6);
        assertTrue(HostOffloads.toHost(fromGuest(v6, false, true, Netif.XEN_NETIF_GSO_TYPE_TCPV6, 1448), data6,
                header, counters));
        assertEquals((short) TestFrames.pseudoHeaderSum(v6, 62, 6), data6.getShort(62 + 16));
    }

    @Test
    void gsoThatDoesNotFitTheFrameIsDroppedAndCounted() {
        ByteBuffer udp = TestFrames.ipv4(17, 5000);
        VirtioNetHeader header = new VirtioNetHeader();
        assertFalse(HostOffloads.toHost(fromGuest(udp, true, true, Netif.XEN_NETIF_GSO_TYPE_TCPV4, 1448),
                direct(udp), header, counters), "TCP segmentation of UDP");
        ByteBuffer v6 = TestFrames.ipv6WithHopByHop(6, 5000);
        assertFalse(HostOffloads.toHost(fromGuest(v6, true, true, Netif.XEN_NETIF_GSO_TYPE_TCPV4, 1448),
                direct(v6), header, counters), "TCPv4 segmentation of IPv6");
        ByteBuffer shortHeader = TestFrames.ipv4(6, 5000);
        shortHeader.put(34 + 12, (byte) 0x40); // a TCP header of 16 bytes
        assertFalse(HostOffloads.toHost(fromGuest(shortHeader, true, true, Netif.XEN_NETIF_GSO_TYPE_TCPV4, 1448),
                direct(shortHeader), header, counters));
        assertEquals(3, counters.droppedGso.sum());
        assertEquals(0, header.flags());
        assertEquals(VirtioNetHeader.GSO_NONE, header.gsoType());
    }

    @Test
    void whatGoesToTheHostComesBackAsItWas() {
        ByteBuffer data = TestFrames.ipv4(6, 12_000);
        SimFrame sent = fromGuest(data, true, true, Netif.XEN_NETIF_GSO_TYPE_TCPV4, 1400);
        VirtioNetHeader header = new VirtioNetHeader();
        ByteBuffer wire = direct(data);
        assertTrue(HostOffloads.toHost(sent, wire, header, counters));
        SimFrame back = HostOffloads.fromHost(header, wire, counters);
        assertArrayEquals(sent.data(), back.data());
        assertEquals(sent.checksumBlank(), back.checksumBlank());
        assertEquals(sent.gsoType(), back.gsoType());
        assertEquals(sent.gsoSize(), back.gsoSize());
    }
}
