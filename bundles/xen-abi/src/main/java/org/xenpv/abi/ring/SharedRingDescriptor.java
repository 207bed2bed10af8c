package org.xenpv.abi.ring;

/**
 * Layout of a shared ring page ({@code struct <name>_sring} of ring.h).
 *
 * <pre>
 *  0          4           8          12          16        20                64
 *  +----------+-----------+----------+-----------+---------+-----------------+----------------
 *  | req_prod | req_event | rsp_prod | rsp_event | pvt (4) | pad (44)        | slot 0, slot 1, ...
 *  +----------+-----------+----------+-----------+---------+-----------------+----------------
 * </pre>
 *
 * Indexes are free-running unsigned 32-bit counters; a slot is found by masking
 * an index with capacity - 1, which is why the capacity is a power of two.
 * The front end writes req_prod and rsp_event; the back end writes rsp_prod and
 * req_event.
 */
public final class SharedRingDescriptor {
    public static final int REQ_PROD_OFFSET = 0;
    public static final int REQ_EVENT_OFFSET = 4;
    public static final int RSP_PROD_OFFSET = 8;
    public static final int RSP_EVENT_OFFSET = 12;
    public static final int PVT_OFFSET = 16;
    public static final int PVT_SIZE = 4;
    /** Offset of the first slot: the header with its padding. */
    public static final int SLOTS_OFFSET = 64;

    /** Page size of every Xen ring protocol, whatever the guest's own page size. */
    public static final int PAGE_SIZE = 4096;

    private SharedRingDescriptor() {
    }

    /**
     * Slots that fit in a ring of {@code ringBytes}: the largest power of two not
     * above (ringBytes - 64) / slotSize, as ring.h's __CONST_RING_SIZE computes it.
     */
    public static int capacity(int ringBytes, int slotSize) {
        if (slotSize <= 0 || ringBytes <= SLOTS_OFFSET) {
            throw new IllegalArgumentException("no slot fits: ring of " + ringBytes + " bytes, slots of " + slotSize);
        }
        int fitting = (ringBytes - SLOTS_OFFSET) / slotSize;
        if (fitting == 0) {
            throw new IllegalArgumentException("no slot fits: ring of " + ringBytes + " bytes, slots of " + slotSize);
        }
        return Integer.highestOneBit(fitting);
    }

    /** Capacity of a one-page ring of this layout. */
    public static int capacity(RingEntryLayout layout) {
        return capacity(PAGE_SIZE, layout.slotSize());
    }
}
