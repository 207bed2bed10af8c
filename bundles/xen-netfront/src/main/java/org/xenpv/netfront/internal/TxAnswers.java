package org.xenpv.netfront.internal;

import java.nio.ByteBuffer;

import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.TxResponse;
import org.xenpv.abi.ring.FrontRing;
import org.xenpv.gnttab.PagePool;

/**
 * The backend's answers to a queue's TX requests, read once and checked:
 * each frame counted by its answer, its pages and ids given back. Used under
 * the TX lock.
 */
final class TxAnswers {
    private final FrontRing ring;
    private final PagePool pool;
    private final TxInFlight inFlight;
    private final QueueCounters counters;
    /** The response producer as answers were last taken. */
    private int lastProducer;

    TxAnswers(FrontRing ring, PagePool pool, TxInFlight inFlight, QueueCounters counters) {
        this.ring = ring;
        this.pool = pool;
        this.inFlight = inFlight;
        this.counters = counters;
    }

    /**
     * Takes the backend's answers: counts the frames and gives back their pages and ids.
     *
     * @return null, or how the answers broke the protocol (those before it are taken)
     */
    String takeLocked() {
        ByteBuffer page = ring.page();
        do {
            int producer = ring.acquireResponseProducer();
            if (!ring.isPlausibleResponseProducer(producer)) {
                return "TX response producer " + producer + " is beyond the requests made (consumer "
                        + ring.responseConsumer() + ", producer " + ring.requestProducerPrivate() + ")";
            }
            if (producer - lastProducer < 0) {
                return "TX response producer went backwards from " + lastProducer + " to " + producer;
            }
            lastProducer = producer;
            // Counted once per batch: the counters are shared with readers of the statistics, the loop is not.
            int packets = 0;
            long bytes = 0;
            int dropped = 0;
            int errors = 0;
            for (int i = ring.responseConsumer(); i != producer; i++) {
                int at = ring.slotOffset(i);
                // Read once into locals (the backend may change the slot meanwhile), then checked.
                int answer = page.getShort(at + TxResponse.STATUS_OFFSET);
                int id = Short.toUnsignedInt(page.getShort(at + TxResponse.ID_OFFSET));
                if (answer == Netif.NETIF_RSP_NULL) {
                    continue;
                }
                if (!inFlight.inFlight(id)) {
                    count(packets, bytes, dropped, errors);
                    return "TX response for id " + id + ", which is not in flight";
                }
                int frameLength = inFlight.frameLength(id);
                if (frameLength >= 0) {
                    if (answer == Netif.NETIF_RSP_OKAY) {
                        packets++;
                        bytes += frameLength;
                    } else if (answer == Netif.NETIF_RSP_DROPPED) {
                        dropped++;
                    } else {
                        errors++;
                    }
                }
                pool.recycle(inFlight.complete(id));
            }
            count(packets, bytes, dropped, errors);
            ring.setResponseConsumer(producer);
            // No event is asked for here: the queue's thread looks on its timer, or asked for one.
        } while (ring.unconsumedResponses() != 0);
        return null;
    }

    private void count(int packets, long bytes, int dropped, int errors) {
        if (packets != 0) {
            counters.txPackets.add(packets);
            counters.txBytes.add(bytes);
        }
        if (dropped != 0) {
            counters.txDropped.add(dropped);
        }
        if (errors != 0) {
            counters.txErrors.add(errors);
        }
    }

    /** Counts as dropped the frames still in flight: the connection's end leaves them unanswered. */
    void countUnanswered() {
        for (int id = 0; id < inFlight.capacity(); id++) {
            if (inFlight.inFlight(id) && inFlight.frameLength(id) >= 0) {
                counters.txDropped.increment();
            }
        }
    }
}
