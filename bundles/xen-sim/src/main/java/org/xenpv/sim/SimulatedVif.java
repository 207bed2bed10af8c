package org.xenpv.sim;

import java.util.Optional;

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
 * @param hostInterface the backend's host interface, when the simulator gives vifs one
 *     ({@code hostInterfaces = true}) rather than the in-process switch
 */
public record SimulatedVif(int guestDomid, int handle, String mac, int backendState, int queues,
        long framesFromGuest, long framesToGuest, long framesDropped, Optional<HostInterface> hostInterface) {

    public SimulatedVif {
        if (hostInterface == null) {
            throw new IllegalArgumentException("hostInterface is required (Optional.empty() for none)");
        }
    }

    /**
     * A vif on the in-process switch: the record as it was before host
     * interfaces, kept so that code built against package version 1.0 links.
     */
    public SimulatedVif(int guestDomid, int handle, String mac, int backendState, int queues, long framesFromGuest,
            long framesToGuest, long framesDropped) {
        this(guestDomid, handle, mac, backendState, queues, framesFromGuest, framesToGuest, framesDropped,
                Optional.empty());
    }

    /**
     * A vif backend's interface on the host ({@code vif<domid>.<handle>}),
     * through which host programs exchange frames with the guest.
     *
     * @param name the interface's name
     * @param bridge the Linux bridge it was added to; empty when none
     * @param failure why it is not there: it could not be made (no /dev/net/tun, no CAP_NET_ADMIN, the name
     *     taken) or was removed from outside; empty when it exists
     * @param framesFromHost frames read from the interface and handed to the backend for the guest (which
     *     counts what it drops in {@link SimulatedVif#framesDropped()})
     * @param droppedFromHost frames read from the interface and dropped: their offload is one netif cannot
     *     carry (a GSO type it lacks, a partial checksum it cannot place)
     * @param framesToHost frames from the guest the host's kernel took
     * @param droppedNoInterface frames from the guest dropped because there is no interface
     * @param droppedRefused frames from the guest the kernel refused (the interface down, a header it rejects)
     * @param droppedChecksum frames from the guest dropped for a blank checksum that could not be located
     * @param droppedGso frames from the guest dropped for segmentation the kernel cannot be told
     * @since 1.1
     */
    public record HostInterface(String name, String bridge, String failure, long framesFromHost,
            long droppedFromHost, long framesToHost, long droppedNoInterface, long droppedRefused,
            long droppedChecksum, long droppedGso) {

        /** Whether the interface exists. */
        public boolean present() {
            return failure.isEmpty();
        }

        /** Frames from the guest dropped on their way to the host, for whatever reason. */
        public long droppedToHost() {
            return droppedNoInterface + droppedRefused + droppedChecksum + droppedGso;
        }

        /** Every frame dropped, either way. */
        public long dropped() {
            return droppedFromHost + droppedToHost();
        }
    }
}
