package org.xenpv.abi.netif;

import java.nio.ByteBuffer;

import org.xenpv.abi.ring.SharedRing;

/**
 * Reads one netif packet off a shared ring, as netif.h lays it out on both
 * rings: a first slot, the extra-info slots its {@code EXTRA_INFO} flag
 * announces (chained by {@code XEN_NETIF_EXTRA_FLAG_MORE}), then further data
 * slots for as long as the last one read says {@code MORE_DATA}. The TX ring
 * carries packets as requests (the frontend's), the RX ring as responses (the
 * backend's); the fields differ, the shape does not.
 *
 * <p>Every field of a slot is read once, into this reader; nothing is read from
 * the page twice, so a peer rewriting a slot meanwhile changes nothing that was
 * checked. What the reader checks is the shape alone (extra-info types, their
 * count, the data slots' count, whether the packet is all published); what the
 * fields mean (ids, grant references, offsets, sizes, GSO types) is the
 * caller's to check, as only it knows which buffers it posted.
 *
 * <p>A flyweight: no allocation after construction, and its accessors describe
 * the last packet read until the next {@link #read}. Not thread-safe: one per
 * ring consumer.
 */
public final class NetifPacketReader {

    /** What {@link #read} found at the consumer index. */
    public enum Verdict {
        /** A whole packet: {@link #ringSlots()} slots from the consumer index. */
        PACKET,
        /**
         * Not all of the packet's slots are published: {@link #ringSlots()}
         * are, and say that more follow. An honest peer publishes a packet
         * whole; whether to wait, drop or fail is the caller's.
         */
        INCOMPLETE,
        /** A packet no honest peer writes: {@link #violation()} says why. */
        VIOLATION
    }

    /** Which ring, and so which slot layout, the reader reads. */
    public enum Ring {
        /** netif_tx_request slots; the first slot's size is the whole packet's. */
        TX_REQUESTS,
        /** netif_rx_response slots; a negative status is an error, and a slot in error announces no extra info. */
        RX_RESPONSES
    }

    /** {@link #gsoType()} of a packet without GSO extra info. */
    public static final int NO_GSO = -1;

    private final Ring ring;
    private final int maxDataSlots;
    private final int maxExtras;

    // The last packet's data slots, in ring order, read once (extra-info slots are not among them).
    private final int[] index;
    private final int[] id;
    private final int[] offset;
    private final int[] flags;
    private final int[] size;
    private final int[] gref;
    private int dataSlots;
    private int ringSlots;
    private int extras;
    private int gsoType;
    private int gsoSize;
    private String violation;

    /**
     * @param ring which ring's slots to read
     * @param maxDataSlots the most data slots a packet may have ({@link Netif#XEN_NETIF_NR_SLOTS_MIN} for both
     *     Linux ends); one more is a violation
     * @param maxExtras the most extra-info slots a packet may have (1 for a frontend that takes only GSO, as
     *     netfront's RX; {@link Netif#XEN_NETIF_EXTRA_TYPE_MAX} - 1 for netback's TX, one of each type)
     */
    public NetifPacketReader(Ring ring, int maxDataSlots, int maxExtras) {
        if (maxDataSlots < 1 || maxExtras < 0) {
            throw new IllegalArgumentException("maxDataSlots " + maxDataSlots + " (>= 1), maxExtras " + maxExtras
                    + " (>= 0)");
        }
        this.ring = ring;
        this.maxDataSlots = maxDataSlots;
        this.maxExtras = maxExtras;
        index = new int[maxDataSlots];
        id = new int[maxDataSlots];
        offset = new int[maxDataSlots];
        flags = new int[maxDataSlots];
        size = new int[maxDataSlots];
        gref = new int[maxDataSlots];
    }

    /**
     * Reads the packet that starts at {@code consumer}, looking no further than {@code producer}.
     *
     * @param shared the ring, its slots of this reader's layout
     * @param consumer the ring index of the packet's first slot
     * @param producer the peer's producer index, already checked to be at most a ring ahead of {@code consumer}
     *     (an empty ring, {@code consumer == producer}, reads as INCOMPLETE with no slot)
     */
    public Verdict read(SharedRing shared, int consumer, int producer) {
        ByteBuffer page = shared.page();
        dataSlots = 0;
        ringSlots = 0;
        extras = 0;
        gsoType = NO_GSO;
        gsoSize = 0;
        violation = null;
        boolean more = true;
        while (more) {
            int at = consumer + ringSlots;
            if (at == producer) {
                return Verdict.INCOMPLETE;
            }
            if (dataSlots == maxDataSlots) {
                return violation("a packet spans more than " + maxDataSlots + " slots of data");
            }
            int slotFlags = readDataSlot(page, shared.slotOffset(at), at);
            more = (slotFlags & moreDataFlag()) != 0;
            if (dataSlots == 1 && announcesExtraInfo(slotFlags, size[0])) {
                Verdict extra = readExtras(shared, page, consumer, producer);
                if (extra != null) {
                    return extra;
                }
            }
        }
        return Verdict.PACKET;
    }

    private int readDataSlot(ByteBuffer page, int at, int ringIndex) {
        int s = dataSlots++;
        ringSlots++;
        index[s] = ringIndex;
        if (ring == Ring.TX_REQUESTS) {
            gref[s] = page.getInt(at + TxRequest.GREF_OFFSET);
            offset[s] = Short.toUnsignedInt(page.getShort(at + TxRequest.OFFSET_OFFSET));
            flags[s] = Short.toUnsignedInt(page.getShort(at + TxRequest.FLAGS_OFFSET));
            id[s] = Short.toUnsignedInt(page.getShort(at + TxRequest.ID_OFFSET));
            size[s] = Short.toUnsignedInt(page.getShort(at + TxRequest.SIZE_OFFSET));
        } else {
            gref[s] = 0;
            id[s] = Short.toUnsignedInt(page.getShort(at + RxResponse.ID_OFFSET));
            offset[s] = Short.toUnsignedInt(page.getShort(at + RxResponse.OFFSET_OFFSET));
            flags[s] = Short.toUnsignedInt(page.getShort(at + RxResponse.FLAGS_OFFSET));
            size[s] = page.getShort(at + RxResponse.STATUS_OFFSET);
        }
        return flags[s];
    }

    private int moreDataFlag() {
        return ring == Ring.TX_REQUESTS ? Netif.NETTXF_MORE_DATA : Netif.NETRXF_MORE_DATA;
    }

    private boolean announcesExtraInfo(int firstFlags, int firstSizeOrStatus) {
        return ring == Ring.TX_REQUESTS ? (firstFlags & Netif.NETTXF_EXTRA_INFO) != 0
                : firstSizeOrStatus >= 0 && (firstFlags & Netif.NETRXF_EXTRA_INFO) != 0;
    }

    /**
     * Reads the extra-info slots after the first; null when they are well formed. A chain longer than this
     * reader allows is a violation as soon as a slot says another follows, published or not.
     */
    private Verdict readExtras(SharedRing shared, ByteBuffer page, int consumer, int producer) {
        if (maxExtras == 0) {
            return tooManyExtras();
        }
        while (true) {
            int at = consumer + ringSlots;
            if (at == producer) {
                return Verdict.INCOMPLETE;
            }
            int slot = shared.slotOffset(at);
            int type = page.get(slot + ExtraInfo.TYPE_OFFSET) & 0xff;
            int extraFlags = page.get(slot + ExtraInfo.FLAGS_OFFSET) & 0xff;
            ringSlots++;
            extras++;
            if (type == Netif.XEN_NETIF_EXTRA_TYPE_NONE || type >= Netif.XEN_NETIF_EXTRA_TYPE_MAX) {
                return violation("extra info of an unknown type " + type);
            }
            if (type == Netif.XEN_NETIF_EXTRA_TYPE_GSO) {
                gsoSize = Short.toUnsignedInt(page.getShort(slot + ExtraInfo.GSO_SIZE_OFFSET));
                gsoType = page.get(slot + ExtraInfo.GSO_TYPE_OFFSET) & 0xff;
            }
            if ((extraFlags & Netif.XEN_NETIF_EXTRA_FLAG_MORE) == 0) {
                return null;
            }
            if (extras == maxExtras) {
                return tooManyExtras();
            }
        }
    }

    private Verdict tooManyExtras() {
        return violation("extra info: more than " + maxExtras + " extra-info slot" + (maxExtras == 1 ? "" : "s"));
    }

    private Verdict violation(String why) {
        violation = why;
        return Verdict.VIOLATION;
    }

    /** Ring slots the packet takes (data and extra info), or, INCOMPLETE, those published of it. */
    public int ringSlots() {
        return ringSlots;
    }

    /** Data slots read (the packet's, or those published of it). */
    public int dataSlots() {
        return dataSlots;
    }

    /** Extra-info slots read. */
    public int extras() {
        return extras;
    }

    /** Why the last read was a VIOLATION; null otherwise. */
    public String violation() {
        return violation;
    }

    /** Ring index of data slot {@code slot} (0 is the packet's first; the extras come right after it). */
    public int index(int slot) {
        check(slot);
        return index[slot];
    }

    /** The id of data slot {@code slot}: a TX request's, or the buffer an RX response names. */
    public int id(int slot) {
        check(slot);
        return id[slot];
    }

    /** The offset in its page of data slot {@code slot}'s data. */
    public int offset(int slot) {
        check(slot);
        return offset[slot];
    }

    /** The flags of data slot {@code slot} (NETTXF_* or NETRXF_*). */
    public int flags(int slot) {
        check(slot);
        return flags[slot];
    }

    /**
     * TX: data slot {@code slot}'s size (the first slot's is the whole packet's). RX: its status, the length of
     * its data when not negative, else an error (NETIF_RSP_*).
     */
    public int sizeOrStatus(int slot) {
        check(slot);
        return size[slot];
    }

    /** The grant reference of TX data slot {@code slot}; 0 on the RX ring, whose responses carry none. */
    public int gref(int slot) {
        check(slot);
        return gref[slot];
    }

    /** The GSO extra info's type (XEN_NETIF_GSO_TYPE_*, unchecked, NONE included), or {@link #NO_GSO} without one. */
    public int gsoType() {
        return gsoType;
    }

    /** The GSO extra info's segment size (unchecked: 0 is the caller's to refuse); 0 without one. */
    public int gsoSize() {
        return gsoSize;
    }

    private void check(int slot) {
        if (slot < 0 || slot >= dataSlots) {
            throw new IndexOutOfBoundsException("data slot " + slot + " of " + dataSlots);
        }
    }
}
