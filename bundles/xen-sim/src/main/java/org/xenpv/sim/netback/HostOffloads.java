package org.xenpv.sim.netback;

import java.nio.ByteBuffer;

import org.xenpv.abi.netif.Netif;
import org.xenpv.net.tap.TransportChecksum;
import org.xenpv.net.tap.VirtioNetHeader;

/**
 * The offload state of a frame, between netif (what netback and netfront say
 * about it) and the virtio-net header of a host interface (what the kernel
 * says), as Linux netback maps skb state to and from netif flags.
 *
 * <pre>
 *  host (virtio-net header)                   guest (netif)
 *  F_NEEDS_CSUM where the frame's TCP/UDP      checksum blank
 *    checksum is
 *  F_NEEDS_CSUM anywhere else                  completed here, then a plain frame
 *  F_DATA_VALID                                data validated
 *  GSO_TCPV4 / GSO_TCPV6 + gso_size            GSO TCPv4 / TCPv6 + size
 *  GSO_UDP, anything else                      dropped (netif has no word for it)
 *
 *  guest (netif)                               host (virtio-net header)
 *  checksum blank, found by parsing            F_NEEDS_CSUM with where it is
 *  checksum blank, not found                   dropped (as netback drops it)
 *  data validated (checksum not blank)         F_DATA_VALID
 *  GSO TCPv4 / TCPv6 + size                    GSO_TCPV4 / GSO_TCPV6, gso_size, hdr_len = end of
 *                                                the TCP header, F_NEEDS_CSUM
 * </pre>
 *
 * Offsets are from each frame's position; frames are read and written with
 * absolute gets and puts and are not moved. Nothing here allocates, except
 * the copy a frame for the guest becomes.
 */
final class HostOffloads {
    private static final int ETHERNET = 14;
    private static final int VLAN_TAG = 4;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int TCP = 6;
    private static final int MIN_TCP_HEADER = 20;

    private HostOffloads() {
    }

    /**
     * A frame the host interface read, for netback's RX path: its bytes (the
     * only copy made) with the offload state netif can carry. A partial
     * checksum netif cannot place is completed in {@code frame} first.
     *
     * @return the frame for netback; null to drop it, with the reason counted in {@code counters}
     */
    static SimFrame fromHost(VirtioNetHeader header, ByteBuffer frame, HostCounters counters) {
        int gsoType;
        switch (header.gsoType()) { // netif has no ECN flag: the type alone goes on, as netback passes it
            case VirtioNetHeader.GSO_NONE:
                gsoType = Netif.XEN_NETIF_GSO_TYPE_NONE;
                break;
            case VirtioNetHeader.GSO_TCPV4:
                gsoType = Netif.XEN_NETIF_GSO_TYPE_TCPV4;
                break;
            case VirtioNetHeader.GSO_TCPV6:
                gsoType = Netif.XEN_NETIF_GSO_TYPE_TCPV6;
                break;
            default:
                counters.droppedFromHost.increment();
                return null;
        }
        boolean gso = gsoType != Netif.XEN_NETIF_GSO_TYPE_NONE;
        if (gso && (header.gsoSize() == 0 || !header.needsChecksum())) {
            counters.droppedFromHost.increment(); // a super-frame's segments each need their checksum finished
            return null;
        }
        boolean checksumBlank = false;
        if (header.needsChecksum()) {
            int located = TransportChecksum.locate(frame);
            if (located != TransportChecksum.NOT_FOUND && TransportChecksum.start(located) == header.checksumStart()
                    && TransportChecksum.checksumOffset(located) == header.checksumOffset()) {
                checksumBlank = true; // the guest will find it where the kernel said it is
            } else if (gso) {
                counters.droppedFromHost.increment(); // no one can finish a super-frame's checksum for the guest
                return null;
            } else if (!TransportChecksum.complete(frame, header.checksumStart(), header.checksumOffset())) {
                counters.droppedFromHost.increment();
                return null;
            }
        }
        byte[] data = new byte[frame.remaining()];
        frame.get(frame.position(), data);
        return new SimFrame(data, checksumBlank, header.isDataValid(), gsoType, gso ? header.gsoSize() : 0);
    }

    /**
     * Sets {@code header} for a frame netback took from the guest, whose
     * bytes are {@code data}. As Linux netback: a blank checksum becomes a
     * partial one (the kernel's CHECKSUM_PARTIAL), located by parsing; a GSO
     * frame becomes a TCP super-frame with a partial checksum, its
     * pseudo-header sum filled in when the guest did not leave the checksum
     * blank; otherwise validated data is said to be valid.
     *
     * @return false to drop the frame (counted in {@code counters}): its offload cannot be expressed
     */
    static boolean toHost(SimFrame frame, ByteBuffer data, VirtioNetHeader header, HostCounters counters) {
        header.clear();
        boolean gso = frame.gsoType() != Netif.XEN_NETIF_GSO_TYPE_NONE;
        if (!frame.checksumBlank() && !gso) {
            if (frame.dataValidated()) {
                header.dataValid();
            }
            return true;
        }
        int located = TransportChecksum.locate(data);
        if (located == TransportChecksum.NOT_FOUND) {
            counters.droppedChecksum.increment(); // as netback drops what skb_checksum_setup cannot place
            return false;
        }
        int start = TransportChecksum.start(located);
        int offset = TransportChecksum.checksumOffset(located);
        if (gso) {
            int type = virtioGsoType(frame.gsoType(), data);
            int tcpHeader = offset == TransportChecksum.TCP_CHECKSUM_OFFSET
                    ? TransportChecksum.tcpHeaderLength(data, start) : 0;
            if (type < 0 || tcpHeader < MIN_TCP_HEADER || start + tcpHeader > data.remaining()) {
                header.clear();
                counters.droppedGso.increment();
                return false;
            }
            if (!frame.checksumBlank()) {
                putPseudoHeaderSum(data, start);
            }
            header.segmentation(type, frame.gsoSize(), start + tcpHeader);
        }
        header.needsChecksum(start, offset);
        return true;
    }

    /** The virtio GSO type for a netif one, when the frame is TCP over that IP version; else -1. */
    private static int virtioGsoType(int netifType, ByteBuffer data) {
        int version = (data.get(data.position() + l3(data)) & 0xff) >> 4;
        if (netifType == Netif.XEN_NETIF_GSO_TYPE_TCPV4 && version == 4) {
            return VirtioNetHeader.GSO_TCPV4;
        }
        if (netifType == Netif.XEN_NETIF_GSO_TYPE_TCPV6 && version == 6) {
            return VirtioNetHeader.GSO_TCPV6;
        }
        return -1;
    }

    /** The IP header's offset: after the Ethernet header and its VLAN tag, if any. */
    private static int l3(ByteBuffer data) {
        int base = data.position();
        int etherType = (data.get(base + 12) & 0xff) << 8 | (data.get(base + 13) & 0xff);
        return etherType == ETHERTYPE_VLAN ? ETHERNET + VLAN_TAG : ETHERNET;
    }

    /**
     * Writes the TCP pseudo-header's sum (addresses, protocol, TCP length;
     * folded, not inverted) into the checksum field, which is what a partial
     * checksum holds. For a TCP segment {@link TransportChecksum#locate} found
     * at {@code start}.
     */
    static void putPseudoHeaderSum(ByteBuffer data, int start) {
        int base = data.position();
        int l3 = base + l3(data);
        boolean ipv4 = (data.get(l3) & 0xff) >> 4 == 4;
        int addresses = ipv4 ? l3 + 12 : l3 + 8;
        int addressBytes = ipv4 ? 8 : 32;
        long sum = TCP + (data.remaining() - start);
        for (int i = 0; i < addressBytes; i += 2) {
            sum += (data.get(addresses + i) & 0xff) << 8 | (data.get(addresses + i + 1) & 0xff);
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        int field = base + start + TransportChecksum.TCP_CHECKSUM_OFFSET;
        data.put(field, (byte) (sum >> 8)).put(field + 1, (byte) sum);
    }
}
