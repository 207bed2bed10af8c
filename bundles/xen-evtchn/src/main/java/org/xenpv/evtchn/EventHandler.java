package org.xenpv.evtchn;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Called on the dispatcher thread when the port fired. It should do little
 * and never block: every port of every bundle waits for it. An exception is
 * logged and the port re-armed.
 */
@ConsumerType
@FunctionalInterface
public interface EventHandler {
    void onEvent(EventChannel channel);
}
