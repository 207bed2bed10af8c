package org.xenpv.sim;

/**
 * Frames counted by every vif backend of the simulator since it started,
 * including backends that are gone (their vif removed, or replaced by a
 * restart).
 *
 * @param framesFromGuest frames the backends took from guests and passed on
 * @param txErrors frames from guests the backends answered with an error
 * @param framesToGuest frames the backends copied into guests' buffers
 * @param framesDropped frames for guests the backends dropped (not connected, no room, closed)
 * @param framesUnforwarded frames the switch had no port for (every other vif gone or restarting)
 * @since 1.2
 */
public record BackendTotals(long framesFromGuest, long txErrors, long framesToGuest, long framesDropped,
        long framesUnforwarded) {
}
