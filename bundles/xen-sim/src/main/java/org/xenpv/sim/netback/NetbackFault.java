package org.xenpv.sim.netback;

/**
 * What a lying backend writes, injected into one of a vif's queues
 * ({@link SimNetback#inject}). Each is what no honest netback writes; the
 * frontend must make progress past it or mark the device broken, and never
 * spin, wait in a loop, or stall another device.
 *
 * <p>The RX faults are written at once into buffers the frontend posted;
 * the TX faults wait for the frontend's next packet(s) and answer them with
 * the lie; {@link #EVENT_STORM} lasts until {@link SimNetback#calm}.
 */
public enum NetbackFault {
    /** Events on the queue's port(s) as fast as a thread can send them, with nothing in the rings. */
    EVENT_STORM,
    /** The RX response producer jumps far beyond the buffers posted. */
    RX_PRODUCER_AHEAD,
    /**
     * Two RX responses, then, once the frontend has taken their event, the
     * RX response producer back by one: behind what the frontend saw, though
     * still ahead of a frontend that has not consumed them (one stopped).
     */
    RX_PRODUCER_BACKWARDS,
    /** The TX response producer jumps far beyond the requests made. */
    TX_PRODUCER_AHEAD,
    /** The TX response producer moves back by one. */
    TX_PRODUCER_BACKWARDS,
    /** An RX packet whose first slot says more data follows, and nothing follows. */
    RX_TRUNCATED_PACKET,
    /** An RX packet whose extra info slots each say another follows, to the end of what is posted. */
    RX_ENDLESS_EXTRA_CHAIN,
    /** An RX response naming a buffer other than the one of its slot. */
    RX_BAD_ID,
    /** An RX response whose offset and length reach past the end of its page. */
    RX_OUT_OF_PAGE,
    /** The next TX packet is answered for an id no request used (beyond the ring). */
    TX_BAD_ID,
    /** The second of the next two TX packets is answered with the first one's id. */
    TX_DUPLICATE_ID,
    /** The next TX packet is answered with NETIF_RSP_NULL only, so its id is never returned. */
    TX_NULL_RESPONSE,
    /** The next TX packet is answered with a status no netback writes (77). */
    TX_STATUS_OUT_OF_RANGE,
    /** An RX response whose status is a negative value no netback writes (-77). */
    RX_STATUS_OUT_OF_RANGE,
    /** An RX packet whose extra info is of a type netif.h does not define. */
    RX_UNKNOWN_EXTRA_TYPE,
    /**
     * An honest RX response, published and notified, then rewritten in place
     * many times, alternating with offsets and lengths outside its page, and
     * left honest.
     */
    RX_REWRITTEN_AFTER_PUBLISH;

    /**
     * The fault a console user named: its name in any case, with '-' for '_'.
     *
     * @throws IllegalArgumentException naming the faults there are
     */
    public static NetbackFault named(String name) {
        String constant = name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (NetbackFault fault : values()) {
            if (fault.name().equals(constant)) {
                return fault;
            }
        }
        throw new IllegalArgumentException("no backend fault " + name + "; there are "
                + java.util.Arrays.toString(values()));
    }
}
