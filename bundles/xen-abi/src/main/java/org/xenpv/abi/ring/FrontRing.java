package org.xenpv.abi.ring;

import static org.xenpv.abi.ring.SharedRingDescriptor.REQ_EVENT_OFFSET;
import static org.xenpv.abi.ring.SharedRingDescriptor.REQ_PROD_OFFSET;
import static org.xenpv.abi.ring.SharedRingDescriptor.RSP_EVENT_OFFSET;
import static org.xenpv.abi.ring.SharedRingDescriptor.RSP_PROD_OFFSET;

import java.nio.ByteBuffer;

/**
 * The front end of a ring: produces requests, consumes responses.
 *
 * <p>The front end owns req_prod and rsp_event in the shared header and keeps
 * two private indexes: the next request slot to fill ({@code req_prod_pvt}) and
 * the next response to consume ({@code rsp_cons}). One thread at a time may use
 * the request side and one the response side; callers that share a side lock.
 *
 * <p>Typical use, without allocation:
 * <pre>{@code
 * int offset = ring.claimRequestSlot();      // after checking !ring.isFull()
 * TxRequest.write(ring.page(), offset, ...);
 * if (ring.pushRequestsAndCheckNotify()) notify(port);
 *
 * int producer = ring.acquireResponseProducer();
 * if (!ring.isPlausibleResponseProducer(producer)) markBroken();
 * for (int i = ring.responseConsumer(); i != producer; i++) {
 *     var rsp = TxResponse.read(ring.page(), ring.slotOffset(i)); ...
 * }
 * ring.setResponseConsumer(producer);
 * if (ring.finalCheckForResponses()) ... more to do
 * }</pre>
 */
public final class FrontRing extends FrontRingPadding.Tail {

    private FrontRing(ByteBuffer page, RingEntryLayout layout, int startIndex) {
        super(page, layout);
        this.requestProducerPrivate = startIndex;
        this.requestProducerPublished = startIndex;
        this.responseConsumer = startIndex;
    }

    /**
     * Creates the front end of a new ring on {@code page}, initialising the
     * shared header (ring.h's XEN_FRONT_RING_INIT).
     */
    public static FrontRing initialise(ByteBuffer page, RingEntryLayout layout) {
        FrontRing ring = new FrontRing(page, layout, 0);
        ring.initialiseSharedHeader();
        return ring;
    }

    /**
     * Attaches a front end to a ring whose header is already set up, with both
     * private indexes at {@code index} (ring.h's FRONT_RING_ATTACH).
     */
    public static FrontRing attach(ByteBuffer page, RingEntryLayout layout, int index) {
        return new FrontRing(page, layout, index);
    }

    /** Requests that can be produced before the ring is full (RING_FREE_REQUESTS). */
    public int freeRequests() {
        return capacity - (requestProducerPrivate - responseConsumer);
    }

    /** No request slot is free (RING_FULL). */
    public boolean isFull() {
        return freeRequests() == 0;
    }

    /** Index of the next request slot this end fills (req_prod_pvt). */
    public int requestProducerPrivate() {
        return requestProducerPrivate;
    }

    /**
     * Takes the next request slot and returns its byte offset in the page. The
     * request becomes visible to the back end only when pushed.
     *
     * @throws IllegalStateException when the ring is full (check {@link #isFull()} first)
     */
    public int claimRequestSlot() {
        if (isFull()) {
            throw new IllegalStateException("request ring full (" + capacity + " outstanding)");
        }
        return slotOffset(requestProducerPrivate++);
    }

    /** Publishes the filled requests to the back end (RING_PUSH_REQUESTS). */
    public void pushRequests() {
        releaseIndex(REQ_PROD_OFFSET, requestProducerPrivate);
        requestProducerPublished = requestProducerPrivate;
    }

    /**
     * Publishes the filled requests and tells whether the back end asked to be
     * notified of them (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY): true when the new
     * producer index passed the back end's req_event.
     */
    public boolean pushRequestsAndCheckNotify() {
        int oldProducer = plainIndex(REQ_PROD_OFFSET);
        int newProducer = requestProducerPrivate;
        releaseIndex(REQ_PROD_OFFSET, newProducer);
        requestProducerPublished = newProducer;
        // req_event is written by the back end after it read req_prod: without a
        // full fence our load of req_event could pass our store of req_prod and
        // both ends would go to sleep.
        java.lang.invoke.VarHandle.fullFence();
        int event = acquireIndex(REQ_EVENT_OFFSET);
        return crossesEvent(newProducer, oldProducer, event);
    }

    /** Index of the next response to consume (rsp_cons). */
    public int responseConsumer() {
        return responseConsumer;
    }

    /**
     * Reads the back end's response producer once. The value is untrusted:
     * check it with {@link #isPlausibleResponseProducer} before using it.
     */
    public int acquireResponseProducer() {
        return acquireIndex(RSP_PROD_OFFSET);
    }

    /**
     * Whether a response producer read from the page is one an honest back end
     * could have written: not behind our consumer and not beyond the requests
     * we produced (at most a ring ahead; ring.h's RING_RESPONSE_PROD_OVERFLOW
     * is the weaker half of this).
     */
    public boolean isPlausibleResponseProducer(int producer) {
        return distance(responseConsumer, producer) <= distance(responseConsumer, requestProducerPrivate);
    }

    /** Responses published and not yet consumed, from a producer value already read. */
    public int unconsumedResponses(int producer) {
        return producer - responseConsumer;
    }

    /** Responses published and not yet consumed (RING_HAS_UNCONSUMED_RESPONSES). */
    public int unconsumedResponses() {
        return unconsumedResponses(acquireResponseProducer());
    }

    /** Records that responses up to (not including) {@code index} are consumed. */
    public void setResponseConsumer(int index) {
        responseConsumer = index;
    }

    /**
     * Checks for more responses, and when there are none asks the back end to
     * notify the next one (RING_FINAL_CHECK_FOR_RESPONSES). Call it before going
     * to sleep; a true result means: consume again.
     */
    public boolean finalCheckForResponses() {
        if (unconsumedResponses() != 0) {
            return true;
        }
        writeEventIndexAndFence(RSP_EVENT_OFFSET, responseConsumer + 1);
        return unconsumedResponses() != 0;
    }

    /**
     * Asks the back end to notify only when it has answered every request
     * pushed so far (rsp_event at req_prod) instead of at its next response,
     * then looks as {@link #finalCheckForResponses} does. For a front end that
     * also takes responses on its own as it goes on producing (a sender that
     * takes TX completions when it needs room): while it keeps pushing, the
     * event it asks for moves ahead with the requests, and the back end
     * notifies once the front end stops and everything is answered. With
     * nothing in flight no event is asked for at all: none is due.
     *
     * @return whether responses wait unconsumed: those published before the
     *     request for an event was seen bring no event, so consume them now
     * @since 1.1
     */
    public boolean checkForResponsesAskingForEventAtLastRequest() {
        return checkForResponsesAskingForEventAt(requestProducerPrivate);
    }

    /**
     * As {@link #checkForResponsesAskingForEventAtLastRequest}, for a thread
     * of the front end that does not produce requests: the event is asked for
     * at {@code index}, a request producer it read with
     * {@link #publishedRequestProducer()}.
     *
     * @return whether responses wait unconsumed
     * @since 1.1
     */
    public boolean checkForResponsesAskingForEventAt(int index) {
        writeEventIndexAndFence(RSP_EVENT_OFFSET, index);
        return unconsumedResponses() != 0;
    }

    /**
     * The request producer as this end last pushed it (its own copy, not the
     * shared page's, which the back end could rewrite); a volatile read, for a
     * thread of the front end other than the one producing.
     *
     * @since 1.1
     */
    public int publishedRequestProducer() {
        return requestProducerPublished;
    }
}
