package org.xenpv.sim;

/**
 * A vif of a simulated guest, as the simulated toolstack knows it.
 *
 * @param guestDomid the guest it belongs to
 * @param handle its id within the guest (device/vif/&lt;handle&gt;)
 * @param mac its MAC address
 * @param backendState the netback's XenbusState number
 * @param queues the queues connected (0 when not connected)
 */
public record SimulatedVif(int guestDomid, int handle, String mac, int backendState, int queues) {
}
