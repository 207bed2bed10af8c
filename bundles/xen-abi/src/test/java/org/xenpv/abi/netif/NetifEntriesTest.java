package org.xenpv.abi.netif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

class NetifEntriesTest {

    private final ByteBuffer page = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);

    @Test
    void txRequestRoundTripsUnsignedFieldsAtThePageEnd() {
        int at = 4096 - TxRequest.SIZE;
        TxRequest.write(page, at, 0xFFFF_FFFE, 4095, Netif.NETTXF_MORE_DATA | Netif.NETTXF_CSUM_BLANK, 0xFFFF,
                0xFFFF);
        TxRequest request = TxRequest.read(page, at);
        assertEquals(new TxRequest(0xFFFF_FFFE, 4095, 5, 0xFFFF, 0xFFFF), request);
        assertTrue(request.hasFlag(Netif.NETTXF_MORE_DATA));
        assertFalse(request.hasFlag(Netif.NETTXF_EXTRA_INFO));
    }

    @Test
    void txRequestBytesAreLittleEndianAtHeaderOffsets() {
        TxRequest.write(page, 0, 0x04030201, 0x0605, 0x0807, 0x0a09, 0x0c0b);
        for (int i = 0; i < TxRequest.SIZE; i++) {
            assertEquals(i + 1, page.get(i), "byte " + i);
        }
    }

    @Test
    void responsesKeepTheirSignedStatus() {
        TxResponse.write(page, 64, 7, Netif.NETIF_RSP_DROPPED);
        assertEquals(new TxResponse(7, -2), TxResponse.read(page, 64));
        RxResponse.write(page, 128, 0xFFFF, 4000, Netif.NETRXF_MORE_DATA, Netif.NETIF_RSP_ERROR);
        assertEquals(new RxResponse(0xFFFF, 4000, Netif.NETRXF_MORE_DATA, -1), RxResponse.read(page, 128));
        RxResponse.write(page, 128, 1, 0, 0, 4096);
        assertEquals(4096, RxResponse.read(page, 128).status());
    }

    @Test
    void rxRequestRoundTrips() {
        RxRequest.write(page, 8, 255, 0x8000_0001);
        assertEquals(new RxRequest(255, 0x8000_0001), RxRequest.read(page, 8));
    }

    @Test
    void gsoExtraInfoRoundTrips() {
        ExtraInfo.writeGso(page, 16, Netif.XEN_NETIF_EXTRA_FLAG_MORE, 1448, Netif.XEN_NETIF_GSO_TYPE_TCPV6, 0);
        ExtraInfo extra = ExtraInfo.read(page, 16);
        assertEquals(Netif.XEN_NETIF_EXTRA_TYPE_GSO, extra.type());
        assertTrue(extra.hasMore());
        assertEquals(1448, extra.gsoSize());
        assertEquals(Netif.XEN_NETIF_GSO_TYPE_TCPV6, extra.gsoType());
        assertEquals(0, extra.gsoFeatures());
        assertEquals(1448 & 0xff, page.get(16 + ExtraInfo.GSO_SIZE_OFFSET) & 0xff);
    }

    @Test
    void multicastExtraInfoKeepsOctetOrder() {
        long mac = 0x01005e0000fbL;
        ExtraInfo.writeMulticast(page, 24, Netif.XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0, mac);
        assertEquals(0x01, page.get(24 + ExtraInfo.MCAST_ADDR_OFFSET));
        assertEquals((byte) 0xfb, page.get(24 + ExtraInfo.MCAST_ADDR_OFFSET + 5));
        ExtraInfo extra = ExtraInfo.read(page, 24);
        assertEquals(Netif.XEN_NETIF_EXTRA_TYPE_MCAST_ADD, extra.type());
        assertEquals(mac, extra.multicastAddress());
    }

    @Test
    void ringsHold256EntriesAndQueueDirectoriesAreNamed() {
        assertEquals(256, Netif.TX_RING_SIZE);
        assertEquals(256, Netif.RX_RING_SIZE);
        assertEquals("queue-3", Netif.Keys.queueDirectory(3));
        assertThrows(IllegalArgumentException.class, () -> Netif.Keys.queueDirectory(-1));
    }
}
