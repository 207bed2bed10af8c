package org.xenpv.stack.lwip;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

import org.osgi.annotation.versioning.ProviderType;

/** A UDP socket. */
@ProviderType
public interface UdpSocket extends Closeable {
    /** Sends the datagram from position to limit; the buffer's position moves to its limit. */
    void send(ByteBuffer datagram, InetSocketAddress target) throws IOException;

    /**
     * Receives one datagram into {@code into} (from its position; what does not fit is discarded).
     *
     * @return the sender
     * @throws java.net.SocketTimeoutException when none came within {@code timeout}
     */
    InetSocketAddress receive(ByteBuffer into, Duration timeout) throws IOException;

    InetSocketAddress localAddress();

    @Override
    void close();
}
