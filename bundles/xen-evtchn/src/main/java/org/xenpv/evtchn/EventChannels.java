package org.xenpv.evtchn;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;

/** Binds event-channel ports. One instance per using bundle. */
@ProviderType
public interface EventChannels {

    /**
     * Allocates a port that {@code remoteDomid} may bind to, as a frontend
     * does before writing the port number to XenStore.
     */
    EventChannel bindUnbound(int remoteDomid, EventHandler handler) throws IOException;

    /**
     * As {@link #bindUnbound}, for a handler that reports whether each event
     * found work: spurious events are counted and delay the port's re-arming
     * while they persist (Linux's lateeoi).
     *
     * @since 1.2
     */
    EventChannel bindUnboundLateEoi(int remoteDomid, LateEoiHandler handler) throws IOException;

    /** Binds to {@code remotePort} of {@code remoteDomid}, which that domain allocated for us. */
    EventChannel bindInterdomain(int remoteDomid, int remotePort, EventHandler handler) throws IOException;

    /** Ports this bundle has open. */
    int portsOpen();
}
