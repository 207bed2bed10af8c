package org.xenpv.evtchn;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;

/** One bound event-channel port. */
@ProviderType
public interface EventChannel extends AutoCloseable {

    /** The local port number (what a frontend writes to XenStore). */
    int localPort();

    int remoteDomid();

    /**
     * Sends an event to the other end.
     *
     * @throws IllegalStateException when the channel is closed
     */
    void notifyRemote() throws IOException;

    boolean isOpen();

    /**
     * Events of this port whose {@link LateEoiHandler} found no work; 0 for a
     * port bound with a plain {@link EventHandler}.
     *
     * @since 1.2
     */
    long spuriousEvents();

    /**
     * Times this port was re-armed only after a delay, because spurious events
     * persisted.
     *
     * @since 1.2
     */
    long delayedRearms();

    /**
     * The delay its last spurious event put on re-arming this port, in
     * milliseconds: 0 once an event finds work.
     *
     * @since 1.2
     */
    long rearmDelayMillis();

    /** Unbinds the port. Once this returns, the handler is not called again (unless called from the handler). */
    @Override
    void close();
}
