package org.xenpv.sim;

/**
 * A vif of a simulated guest, as the simulated toolstack knows it.
 *
 * @param guestDomid the guest it belongs to
 * @param handle its id within the guest (device/vif/&lt;handle&gt;)
 * @param mac its MAC address
 * @param backendState the netback's XenbusState number
 * @param queues the queues connected (0 when not connected)
 * @param framesFromGuest frames the backend took from the guest and passed on
 * @param framesToGuest frames the backend copied into the guest's buffers
 * @param framesDropped frames for the guest the backend dropped (not connected, no room, closed)
 */
public record SimulatedVif(int guestDomid, int handle, String mac, int backendState, int queues,
        long framesFromGuest, long framesToGuest, long framesDropped) {
}
