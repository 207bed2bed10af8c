package org.xenpv.evtchn;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A handler that says whether its event found work, as Linux's lateeoi
 * handlers do (XSA-332). An event that found none is spurious: it is counted
 * on its port, and while spurious events follow each other the port is
 * re-armed only after a delay that doubles from 1 ms up to 1 s, so a peer
 * that notifies without cause costs the guest a bounded share of a core. An
 * event that finds work re-arms the port at once and ends the delay.
 *
 * <p>Called on the dispatcher thread, like {@link EventHandler}: it should
 * only look (a producer index, say) and wake whoever does the work.
 *
 * @since 1.2
 */
@ConsumerType
@FunctionalInterface
public interface LateEoiHandler {
    /**
     * @return true when the event found work; false when it was spurious
     */
    boolean onEvent(EventChannel channel);
}
