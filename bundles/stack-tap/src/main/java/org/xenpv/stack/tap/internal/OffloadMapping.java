package org.xenpv.stack.tap.internal;

import java.nio.ByteBuffer;

import org.xenpv.net.Offload;
import org.xenpv.net.tap.TransportChecksum;
import org.xenpv.net.tap.VirtioNetHeader;

/**
 * Offload metadata between the kernel's virtio-net header and a Nic's
 * {@link Offload}: NEEDS_CSUM and CHECKSUM_BLANK, DATA_VALID and
 * DATA_VALIDATED, TCP segmentation both ways. netif can say only "checksum
 * blank" (the peer finds the TCP or UDP header itself); a partial checksum
 * anywhere else is finished here in software. {@link #fromKernel} is for the
 * one thread that reads the kernel's frames: it reuses its GSO offloads.
 */
final class OffloadMapping {
    private Offload gsoV4 = Offload.gso(Offload.GsoType.TCPV4, 1);
    private Offload gsoV6 = Offload.gso(Offload.GsoType.TCPV6, 1);
    private volatile long checksumsCompleted;

    /**
     * What the Nic must be told of a frame from the kernel; may finish the frame's checksum.
     *
     * @return the offload, or null when netif cannot carry the frame (it is to be dropped)
     */
    Offload fromKernel(VirtioNetHeader header, ByteBuffer frame) {
        int gso = header.gsoType();
        if (gso != VirtioNetHeader.GSO_NONE && gso != VirtioNetHeader.GSO_TCPV4
                && gso != VirtioNetHeader.GSO_TCPV6) {
            return null; // UDP fragmentation offload is never advertised: netif has no such type
        }
        boolean blank = false;
        if (header.needsChecksum()) {
            int located = TransportChecksum.locate(frame);
            blank = located != TransportChecksum.NOT_FOUND
                    && TransportChecksum.start(located) == header.checksumStart()
                    && TransportChecksum.checksumOffset(located) == header.checksumOffset();
            if (!blank) {
                if (gso != VirtioNetHeader.GSO_NONE
                        || !TransportChecksum.complete(frame, header.checksumStart(), header.checksumOffset())) {
                    return null;
                }
                checksumsCompleted++;
                return Offload.DATA_VALIDATED;
            }
        }
        if (gso != VirtioNetHeader.GSO_NONE) {
            int size = header.gsoSize();
            if (!blank || size == 0) {
                return null; // a super-frame's segments get their checksums from the segmenter
            }
            if (gso == VirtioNetHeader.GSO_TCPV4) {
                if (gsoV4.gsoSegmentSize() != size) {
                    gsoV4 = Offload.gso(Offload.GsoType.TCPV4, size);
                }
                return gsoV4;
            }
            if (gsoV6.gsoSegmentSize() != size) {
                gsoV6 = Offload.gso(Offload.GsoType.TCPV6, size);
            }
            return gsoV6;
        }
        if (blank) {
            return Offload.CHECKSUM_BLANK;
        }
        return header.isDataValid() ? Offload.DATA_VALIDATED : Offload.NONE;
    }

    /** Partial checksums this mapping finished in software. */
    long checksumsCompleted() {
        return checksumsCompleted;
    }

    /**
     * Fills {@code header} for a frame from the Nic (header cleared first).
     *
     * @return false when the frame says its checksum is blank but has no TCP or UDP header to put it in
     */
    static boolean toKernel(Offload offload, ByteBuffer frame, VirtioNetHeader header) {
        header.clear();
        if (offload.checksumBlank()) {
            int located = TransportChecksum.locate(frame);
            if (located == TransportChecksum.NOT_FOUND) {
                return false;
            }
            int start = TransportChecksum.start(located);
            int checksumOffset = TransportChecksum.checksumOffset(located);
            header.needsChecksum(start, checksumOffset);
            if (offload.gso() != Offload.GsoType.NONE) {
                if (checksumOffset != TransportChecksum.TCP_CHECKSUM_OFFSET) {
                    return false;
                }
                int headers = start + TransportChecksum.tcpHeaderLength(frame, start);
                header.segmentation(offload.gso() == Offload.GsoType.TCPV4 ? VirtioNetHeader.GSO_TCPV4
                        : VirtioNetHeader.GSO_TCPV6, offload.gsoSegmentSize(), headers);
            }
        } else if (offload.dataValidated()) {
            header.dataValid();
        }
        return true;
    }
}
