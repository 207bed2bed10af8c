package org.xenpv.sim.netback;

/**
 * Netback's other side: where the frames it takes from the guest go. Frames
 * for the guest come back through {@link SimNetback#deliver}. Either a port
 * of the in-process switch or, as Linux gives each vif, a host interface.
 */
interface Uplink extends AutoCloseable {
    /** Passes on the frames of one netback queue; used by that queue's thread alone. */
    interface Sender extends AutoCloseable {
        void send(SimFrame frame);

        @Override
        void close();
    }

    /** A sender for a queue that is starting (closed by netback when the queue has stopped). */
    Sender newSender();

    /** The backend is going Connected; the frontend takes scatter-gather and these GSO types. */
    void connected(boolean sg, boolean gsoTcpv4, boolean gsoTcpv6);

    /** The backend is not Connected (any more). */
    void disconnected();

    @Override
    void close();
}
