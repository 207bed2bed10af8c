package org.xenpv.net;

/**
 * What the stack tells the device about one frame to send, or what the device
 * tells the stack about one frame received: checksum state and segmentation.
 * The constants cover the common cases, so that sending needs no allocation.
 *
 * @param checksumBlank the transport checksum is not filled in: the peer or the device must compute it
 * @param dataValidated the data is known good (no checksum check needed)
 * @param gso the segmentation the frame needs (TCP segmentation offload), or {@link GsoType#NONE}
 * @param gsoSegmentSize the MSS for segmentation; 0 without GSO
 */
public record Offload(boolean checksumBlank, boolean dataValidated, GsoType gso, int gsoSegmentSize) {
    /** Nothing special: a complete frame with its checksums. */
    public static final Offload NONE = new Offload(false, false, GsoType.NONE, 0);
    /** The checksum is left to the peer. */
    public static final Offload CHECKSUM_BLANK = new Offload(true, true, GsoType.NONE, 0);
    /** The data is known to be good. */
    public static final Offload DATA_VALIDATED = new Offload(false, true, GsoType.NONE, 0);

    /** Segmentation offload types (the netif GSO types). */
    public enum GsoType {
        NONE, TCPV4, TCPV6
    }

    public Offload {
        if (gso == null) {
            throw new IllegalArgumentException("gso is required (GsoType.NONE for none)");
        }
        if ((gso == GsoType.NONE) != (gsoSegmentSize == 0) || gsoSegmentSize < 0 || gsoSegmentSize > 0xffff) {
            throw new IllegalArgumentException("GSO " + gso + " with segment size " + gsoSegmentSize);
        }
    }

    /** A TCP segmentation request; the checksum is then always left blank. */
    public static Offload gso(GsoType type, int segmentSize) {
        return new Offload(true, true, type, segmentSize);
    }
}
