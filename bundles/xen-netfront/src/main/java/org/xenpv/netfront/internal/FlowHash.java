package org.xenpv.netfront.internal;

import java.nio.ByteBuffer;

/**
 * Spreads frames over queues by flow, so that one flow's frames stay in order
 * on one queue: the addresses, and for IPv4 the IP addresses and ports.
 */
final class FlowHash {
    private static final int ETHERTYPE_IPV4 = 0x0800;

    private FlowHash() {
    }

    static int of(ByteBuffer frame) {
        int start = frame.position();
        int length = frame.remaining();
        int hash = 0x9747b28c;
        for (int i = 0; i < Math.min(12, length); i++) {
            hash = mix(hash, frame.get(start + i));
        }
        if (length >= 38 && ((frame.get(start + 12) & 0xff) << 8 | (frame.get(start + 13) & 0xff)) == ETHERTYPE_IPV4) {
            for (int i = 26; i < 38; i++) {
                hash = mix(hash, frame.get(start + i));
            }
        }
        return hash ^ (hash >>> 16);
    }

    private static int mix(int hash, byte b) {
        return (hash ^ (b & 0xff)) * 0x01000193;
    }
}
