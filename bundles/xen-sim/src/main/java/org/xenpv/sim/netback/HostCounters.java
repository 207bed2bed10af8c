package org.xenpv.sim.netback;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one host interface passed and dropped, each way, and why (coarsely).
 * Written by its reader thread and by every netback queue thread at once.
 */
final class HostCounters {
    /** Frames read from the host interface and handed to netback for the guest. */
    final LongAdder fromHost = new LongAdder();
    /**
     * Frames read from the host interface whose offload netif cannot carry: a GSO type it lacks, a
     * super-frame without a partial checksum where netif finds one, a partial checksum outside the frame.
     */
    final LongAdder droppedFromHost = new LongAdder();
    /** Frames from the guest the kernel took. */
    final LongAdder toHost = new LongAdder();
    /** Frames from the guest with no host interface to go to (it could not be created). */
    final LongAdder droppedNoInterface = new LongAdder();
    /** Frames from the guest the kernel refused (EIO while the interface is down, EINVAL for a bad header). */
    final LongAdder droppedRefused = new LongAdder();
    /** Frames from the guest with a blank checksum that cannot be located (as netback drops them). */
    final LongAdder droppedChecksum = new LongAdder();
    /** Frames from the guest whose GSO cannot be expressed: not TCP over the IP version its type names. */
    final LongAdder droppedGso = new LongAdder();
}
