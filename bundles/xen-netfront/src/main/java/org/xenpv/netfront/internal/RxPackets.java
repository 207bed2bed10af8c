package org.xenpv.netfront.internal;

import java.nio.ByteBuffer;

import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.NetifPacketReader;
import org.xenpv.abi.ring.FrontRing;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.PoolPage;
import org.xenpv.net.Offload;

/**
 * Turns the RX ring's responses into frames: each packet's slots read once
 * ({@link NetifPacketReader}) and checked, the frame assembled from its
 * buffers, the buffers recycled, the frame delivered and counted. Nothing
 * is allocated per frame: the offload of a received frame is a constant or
 * the last one built. Used under the RX lock.
 */
final class RxPackets {
    /** The most slots a received packet may use (netback's own limit, XEN_NETBK_LEGACY_SLOTS_MAX). */
    static final int MAX_SLOTS = Netif.XEN_NETIF_NR_SLOTS_MIN;
    private static final int ETHERNET_HEADER = 14;

    /** Where frames go. */
    interface Delivery {
        /**
         * Hands a received frame to the stack.
         *
         * @return whether the stack was given it; when not, the frame was counted as dropped, and it is not
         *     counted as received
         */
        boolean received(int queue, ByteBuffer frame, Offload offload);
    }

    private final int queue;
    private final FrontRing ring;
    private final PagePool pool;
    private final PoolPage[] posted;
    private final QueueCounters counters;
    private final Delivery delivery;
    /** Reads each packet's responses once; netfront takes GSO alone, so one extra-info slot at most. */
    private final NetifPacketReader reader = new NetifPacketReader(NetifPacketReader.Ring.RX_RESPONSES, MAX_SLOTS, 1);
    private final ByteBuffer frame = ByteBuffer.allocateDirect(MAX_SLOTS * NetfrontQueue.PAGE);
    /** The offload of the last GSO packet received: a stream of them reuses it. */
    private Offload lastGso = Offload.NONE;
    private String violation;

    RxPackets(int queue, FrontRing ring, PagePool pool, PoolPage[] posted, QueueCounters counters,
            Delivery delivery) {
        this.queue = queue;
        this.ring = ring;
        this.pool = pool;
        this.posted = posted;
        this.counters = counters;
        this.delivery = delivery;
    }

    /**
     * Reads the packet at the consumer, checks it, assembles and delivers the
     * frame, and recycles its buffers. A packet whose slots are not all
     * published (its last response says more data, or extra info, at the
     * producer) is consumed as far as it goes and counted as an error, as
     * Linux's netfront does: an honest backend publishes a packet whole, and
     * waiting for the rest would let a backend hold this queue's thread for good.
     *
     * @return the slots consumed (at least one); -1 when the backend broke the protocol ({@link #violation()})
     */
    int receiveOne(int producer) {
        int mask = ring.capacity() - 1;
        int first = ring.responseConsumer();
        NetifPacketReader.Verdict verdict = reader.read(ring, first, producer);
        if (verdict == NetifPacketReader.Verdict.VIOLATION) {
            return violated("RX: " + reader.violation());
        }
        int dataSlots = reader.dataSlots();
        for (int s = 0; s < dataSlots; s++) {
            int index = reader.index(s);
            if (reader.id(s) != (index & mask)) {
                return violated("RX response id " + reader.id(s) + " at ring index " + index
                        + " names another buffer");
            }
        }
        // Every slot consumed held a posted buffer, the extra-info slots' too (they carry no data): all go back.
        int slots = reader.ringSlots();
        frame.clear();
        boolean bad = false;
        int data = 0;
        for (int index = first; index != first + slots; index++) {
            PoolPage buffer = posted[index & mask];
            if (buffer == null) {
                return violated("RX response at ring index " + index + " for a buffer not posted");
            }
            posted[index & mask] = null;
            if (data < dataSlots && reader.index(data) == index) {
                int status = reader.sizeOrStatus(data);
                int offset = reader.offset(data);
                data++;
                if (status < 0) {
                    bad = true;
                } else if (offset + status > NetfrontQueue.PAGE) {
                    pool.recycle(buffer);
                    return violated("RX response offset " + offset + " length " + status
                            + " reaches outside its page");
                } else if (status > frame.remaining()) {
                    bad = true;
                } else {
                    frame.put(frame.position(), buffer.buffer(), offset, status);
                    frame.position(frame.position() + status);
                }
            }
            pool.recycle(buffer);
        }
        Offload offload = bad || verdict == NetifPacketReader.Verdict.INCOMPLETE
                || frame.position() < ETHERNET_HEADER ? null : offload();
        if (offload == null) {
            counters.rxErrors.increment();
            return slots;
        }
        deliver(offload, dataSlots > 1);
        return slots;
    }

    private int violated(String reason) {
        violation = reason;
        return -1;
    }

    /** Why the last packet read broke the protocol. */
    String violation() {
        return violation;
    }

    /** The offload the packet's flags and extra info announce; null for a GSO request no TCP stack can take. */
    private Offload offload() {
        int gsoType = reader.gsoType();
        if (gsoType != NetifPacketReader.NO_GSO) {
            int gsoSize = reader.gsoSize();
            if ((gsoType != Netif.XEN_NETIF_GSO_TYPE_TCPV4 && gsoType != Netif.XEN_NETIF_GSO_TYPE_TCPV6)
                    || gsoSize == 0) {
                return null;
            }
            return gsoOffload(gsoType == Netif.XEN_NETIF_GSO_TYPE_TCPV4 ? Offload.GsoType.TCPV4
                    : Offload.GsoType.TCPV6, gsoSize);
        }
        int headFlags = reader.flags(0);
        if ((headFlags & Netif.NETRXF_CSUM_BLANK) != 0) {
            return Offload.CHECKSUM_BLANK;
        }
        return (headFlags & Netif.NETRXF_DATA_VALIDATED) != 0 ? Offload.DATA_VALIDATED : Offload.NONE;
    }

    private Offload gsoOffload(Offload.GsoType type, int segmentSize) {
        Offload last = lastGso;
        if (last.gso() != type || last.gsoSegmentSize() != segmentSize) {
            last = Offload.gso(type, segmentSize);
            lastGso = last;
        }
        return last;
    }

    private void deliver(Offload offload, boolean multiSlot) {
        int length = frame.position();
        frame.flip();
        if (offload.gso() != Offload.GsoType.NONE) {
            counters.rxGsoFrames.increment();
        }
        if (multiSlot) {
            counters.rxMultiSlotFrames.increment();
        }
        if (offload.checksumBlank()) {
            counters.rxChecksumBlank.increment();
        }
        // Counted after the hand-off, which may find the device broken meanwhile by a sender's look at the TX
        // ring, and count the frame dropped: each frame is counted once.
        if (delivery.received(queue, frame, offload)) {
            counters.rxPackets.increment();
            counters.rxBytes.add(length);
        }
    }

    /**
     * Counts as dropped the whole packets the backend placed in the ring that
     * were not taken, as the receive path would have delivered them, and
     * consumes them; a violation ends the count, since what follows it cannot
     * be told apart.
     */
    void countLeftInRing() {
        int producer = ring.acquireResponseProducer();
        if (!ring.isPlausibleResponseProducer(producer)) {
            return;
        }
        for (int index = ring.responseConsumer(); index != producer; index += reader.ringSlots()) {
            NetifPacketReader.Verdict verdict = reader.read(ring, index, producer);
            if (verdict == NetifPacketReader.Verdict.VIOLATION) {
                break;
            }
            if (verdict == NetifPacketReader.Verdict.PACKET) {
                counters.rxDropped.increment();
            }
        }
        ring.setResponseConsumer(producer);
    }
}
