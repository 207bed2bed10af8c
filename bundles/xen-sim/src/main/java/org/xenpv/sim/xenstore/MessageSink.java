package org.xenpv.sim.xenstore;

import java.nio.ByteBuffer;

/** Where a connection's replies and watch events go, in order; never blocks the server. */
interface MessageSink {
    void send(ByteBuffer message);

    /** The server dropped the connection. */
    void close();
}
