package org.xenpv.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

class NetApiTest {

    @Test
    void macAddressesParseFormatAndLiveInFrames() {
        MacAddress mac = MacAddress.parse("00:16:3E:0a:Bc:ff");
        assertEquals("00:16:3e:0a:bc:ff", mac.toString());
        ByteBuffer frame = ByteBuffer.allocate(14);
        mac.write(frame, 6);
        assertEquals(mac, MacAddress.read(frame, 6));
        assertEquals(0x3e, frame.get(8) & 0xff);
        assertFalse(mac.isMulticast());
        assertTrue(MacAddress.BROADCAST.isMulticast());
        for (String bad : new String[] {"", "00:16:3e:0a:bc", "00:16:3e:0a:bc:fg", "0:16:3e:0a:bc:ff"}) {
            assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(1L << 48));
    }

    @Test
    void offloadKeepsGsoAndSegmentSizeConsistent() {
        assertEquals(1448, Offload.gso(Offload.GsoType.TCPV4, 1448).gsoSegmentSize());
        assertTrue(Offload.gso(Offload.GsoType.TCPV6, 1428).checksumBlank());
        assertThrows(IllegalArgumentException.class, () -> new Offload(false, false, Offload.GsoType.TCPV4, 0));
        assertThrows(IllegalArgumentException.class, () -> new Offload(false, false, Offload.GsoType.NONE, 10));
    }

    @Test
    void totalsAddUpTheQueues() {
        NicStatistics stats = new NicStatistics(List.of(
                new NicStatistics.QueueCounters(1, 100, 0, 2, 3, 300, 1, 0),
                new NicStatistics.QueueCounters(4, 400, 1, 0, 5, 500, 0, 6)));
        assertEquals(new NicStatistics.QueueCounters(5, 500, 1, 2, 8, 800, 1, 6), stats.total());
    }
}
