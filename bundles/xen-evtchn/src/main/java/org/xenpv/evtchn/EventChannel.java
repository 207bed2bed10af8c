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

    /** Unbinds the port. Once this returns, the handler is not called again (unless called from the handler). */
    @Override
    void close();
}
