package org.xenpv.abi.ring;

/**
 * Sizes of the request and response a ring carries. A ring slot is a C union
 * of the two, so it is as large as the larger one.
 */
public record RingEntryLayout(String name, int requestSize, int responseSize) {
    public RingEntryLayout {
        if (requestSize <= 0 || responseSize <= 0) {
            throw new IllegalArgumentException(name + ": entry sizes must be positive");
        }
    }

    /** Bytes of one ring slot. */
    public int slotSize() {
        return Math.max(requestSize, responseSize);
    }
}
