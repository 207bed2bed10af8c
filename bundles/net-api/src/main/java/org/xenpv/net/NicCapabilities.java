package org.xenpv.net;

/**
 * What the device can do for the stack, as negotiated with its backend.
 *
 * @param scatterGather frames may span several buffers (and pages)
 * @param txChecksumOffload frames may be sent with the checksum blank (IPv4 TCP/UDP)
 * @param ipv6ChecksumOffload the same for IPv6
 * @param tsoV4 TCP segmentation offload for IPv4 frames
 * @param tsoV6 TCP segmentation offload for IPv6 frames
 * @param maxFrameBytes the largest frame {@link Nic#send} takes (with GSO: the whole super-frame)
 */
public record NicCapabilities(boolean scatterGather, boolean txChecksumOffload, boolean ipv6ChecksumOffload,
        boolean tsoV4, boolean tsoV6, int maxFrameBytes) {
}
