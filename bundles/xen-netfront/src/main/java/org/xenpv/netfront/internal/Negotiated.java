package org.xenpv.netfront.internal;

import java.util.Set;
import java.util.TreeSet;

/**
 * What frontend and backend agreed on at connection time.
 *
 * @param trusted false when the toolstack says the backend is not trusted: no stale data is shared with it
 */
record Negotiated(boolean sg, boolean gsoTcpv4, boolean gsoTcpv6, boolean ipv6CsumOffload, boolean split,
        int queues, boolean trusted) {

    /** The features by their XenStore names, for Nic info and the console. */
    Set<String> names() {
        Set<String> names = new TreeSet<>();
        names.add("rx-copy");
        names.add("rx-notify");
        if (sg) {
            names.add("sg");
        }
        if (gsoTcpv4) {
            names.add("gso-tcpv4");
        }
        if (gsoTcpv6) {
            names.add("gso-tcpv6");
        }
        if (ipv6CsumOffload) {
            names.add("ipv6-csum-offload");
        }
        if (split) {
            names.add("split-event-channels");
        }
        if (queues > 1) {
            names.add("multi-queue");
        }
        return names;
    }
}
