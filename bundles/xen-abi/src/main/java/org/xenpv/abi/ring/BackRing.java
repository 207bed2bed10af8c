package org.xenpv.abi.ring;

import static org.xenpv.abi.ring.SharedRingDescriptor.REQ_EVENT_OFFSET;
import static org.xenpv.abi.ring.SharedRingDescriptor.REQ_PROD_OFFSET;
import static org.xenpv.abi.ring.SharedRingDescriptor.RSP_EVENT_OFFSET;
import static org.xenpv.abi.ring.SharedRingDescriptor.RSP_PROD_OFFSET;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * The back end of a ring: consumes requests, produces responses.
 *
 * <p>The back end owns rsp_prod and req_event in the shared header and keeps
 * two private indexes: the next response slot to fill ({@code rsp_prod_pvt})
 * and the next request to consume ({@code req_cons}). The front end is not
 * trusted: {@link #acquireRequestProducer()} returns what it wrote, and
 * {@link #isPlausibleRequestProducer} says whether an honest front end could
 * have written it.
 */
public final class BackRing extends SharedRing {

    private int responseProducerPrivate;
    private int requestConsumer;

    private BackRing(ByteBuffer page, RingEntryLayout layout, int startIndex) {
        super(page, layout);
        this.responseProducerPrivate = startIndex;
        this.requestConsumer = startIndex;
    }

    /** Attaches a back end to a ring the front end initialised (BACK_RING_INIT). */
    public static BackRing attach(ByteBuffer page, RingEntryLayout layout) {
        return new BackRing(page, layout, 0);
    }

    /** Attaches with both private indexes at {@code index} (BACK_RING_ATTACH). */
    public static BackRing attach(ByteBuffer page, RingEntryLayout layout, int index) {
        return new BackRing(page, layout, index);
    }

    /** Reads the front end's request producer once (untrusted). */
    public int acquireRequestProducer() {
        return acquireIndex(REQ_PROD_OFFSET);
    }

    /**
     * Whether a request producer could come from an honest front end: at most a
     * ring's worth of requests ahead of the responses produced
     * (the negation of ring.h's RING_REQUEST_PROD_OVERFLOW) and not behind our consumer.
     */
    public boolean isPlausibleRequestProducer(int producer) {
        return distance(responseProducerPrivate, producer) <= capacity
                && distance(responseProducerPrivate, requestConsumer) <= distance(responseProducerPrivate, producer);
    }

    /**
     * Requests that may be consumed now, given a producer value already read:
     * what the front end published, but never more than the slots whose
     * responses are produced (XEN_RING_NR_UNCONSUMED_REQUESTS).
     */
    public int unconsumedRequests(int producer) {
        long published = distance(requestConsumer, producer);
        long roomForResponses = capacity - distance(responseProducerPrivate, requestConsumer);
        return (int) Math.min(published, roomForResponses);
    }

    /** Requests that may be consumed now (RING_HAS_UNCONSUMED_REQUESTS). */
    public int unconsumedRequests() {
        return unconsumedRequests(acquireRequestProducer());
    }

    /** Index of the next request to consume (req_cons). */
    public int requestConsumer() {
        return requestConsumer;
    }

    /**
     * Takes the next request and returns its slot's byte offset. Copy the
     * request out of the page before validating it: the front end can change
     * the slot at any time.
     */
    public int consumeRequestSlot() {
        return slotOffset(requestConsumer++);
    }

    /** Whether consuming index {@code index} would overrun the responses (RING_REQUEST_CONS_OVERFLOW). */
    public boolean requestConsumerOverflows(int index) {
        return distance(responseProducerPrivate, index) >= capacity;
    }

    /** Index of the next response slot this end fills (rsp_prod_pvt). */
    public int responseProducerPrivate() {
        return responseProducerPrivate;
    }

    /** Takes the next response slot and returns its byte offset. */
    public int claimResponseSlot() {
        if (distance(responseProducerPrivate, requestConsumer) == 0) {
            throw new IllegalStateException("no consumed request is waiting for a response");
        }
        return slotOffset(responseProducerPrivate++);
    }

    /** Publishes the filled responses (RING_PUSH_RESPONSES). */
    public void pushResponses() {
        releaseIndex(RSP_PROD_OFFSET, responseProducerPrivate);
    }

    /**
     * Publishes the filled responses and tells whether the front end asked to be
     * notified of them (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY).
     */
    public boolean pushResponsesAndCheckNotify() {
        int oldProducer = plainIndex(RSP_PROD_OFFSET);
        int newProducer = responseProducerPrivate;
        releaseIndex(RSP_PROD_OFFSET, newProducer);
        // See FrontRing.pushRequestsAndCheckNotify: store rsp_prod, then load rsp_event.
        VarHandle.fullFence();
        int event = acquireIndex(RSP_EVENT_OFFSET);
        return crossesEvent(newProducer, oldProducer, event);
    }

    /**
     * Checks for more requests, and when there are none asks the front end to
     * notify the next one (RING_FINAL_CHECK_FOR_REQUESTS).
     */
    public boolean finalCheckForRequests() {
        if (unconsumedRequests() != 0) {
            return true;
        }
        writeEventIndexAndFence(REQ_EVENT_OFFSET, requestConsumer + 1);
        return unconsumedRequests() != 0;
    }

    /**
     * Checks for at least {@code needed} requests, and when there are fewer asks
     * the front end to notify once the {@code needed}-th has been published (as
     * netback does when a packet needs several receive buffers).
     */
    public boolean finalCheckForRequests(int needed) {
        if (unconsumedRequests() >= needed) {
            return true;
        }
        writeEventIndexAndFence(REQ_EVENT_OFFSET, requestConsumer + needed);
        return unconsumedRequests() >= needed;
    }
}
