package org.xenpv.stack.lwip;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

import org.osgi.annotation.versioning.ProviderType;

/** A listening TCP socket. */
@ProviderType
public interface TcpListener extends Closeable {
    /**
     * Takes the next connection.
     *
     * @throws java.net.SocketTimeoutException when none came within {@code timeout}
     * @throws StackClosedException when this listener or its stack was closed
     */
    TcpConnection accept(Duration timeout) throws IOException;

    InetSocketAddress localAddress();

    /** Stops listening; a thread in {@link #accept} gets a {@link StackClosedException}. */
    @Override
    void close();
}
