package org.xenpv.platform.spi;

import java.nio.ByteBuffer;

/**
 * A XenStore message channel (the xenbus device on Linux, a Unix socket for
 * dom0 tools, the simulator's in-process channel). Writes whole xs_wire
 * messages; reads whatever bytes of replies and watch events are available.
 */
public interface XenbusPort extends AutoCloseable {

    /** Sends one complete message: header and payload, from position to limit. */
    void write(ByteBuffer message) throws PortException;

    /**
     * Blocks until bytes are available and reads up to {@code dst.remaining()}.
     *
     * @return bytes read, or -1 once the channel is closed (by either side)
     */
    int read(ByteBuffer dst) throws PortException;

    /**
     * How many requests may be written before the replies to the earlier ones
     * have come back. Linux's xenbus device takes only one: it keeps a request's
     * payload in the file's single message buffer until its own thread copies it
     * to the ring, so the next write would overwrite it.
     */
    default int maxRequestsInFlight() {
        return Integer.MAX_VALUE;
    }

    /** Closes the channel; a blocked {@link #read} returns -1. */
    @Override
    void close();
}
