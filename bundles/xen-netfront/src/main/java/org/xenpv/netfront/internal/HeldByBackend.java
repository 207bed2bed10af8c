package org.xenpv.netfront.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The queues of a vif's earlier connections whose pages its backend still
 * mapped when they were released. Kept per vif, not per driver instance, so
 * that a vif removed and added again still finds them: a backend that never
 * lets go must not be handed a fresh set of rings and buffers at every
 * reconnection.
 */
final class HeldByBackend {
    private final List<NetfrontQueue> queues = new ArrayList<>();

    synchronized void add(NetfrontQueue queue) {
        queues.add(queue);
    }

    /** Pages the backend still holds, after trying their end again; queues it let go of are forgotten. */
    synchronized int pages() {
        int pages = 0;
        for (NetfrontQueue queue : List.copyOf(queues)) {
            int held = queue.pagesHeld();
            if (held == 0) {
                queues.remove(queue);
            }
            pages += held;
        }
        return pages;
    }
}
