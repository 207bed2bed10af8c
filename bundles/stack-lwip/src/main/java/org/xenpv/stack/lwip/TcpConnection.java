package org.xenpv.stack.lwip;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A TCP connection. Its input may be read by one thread while another
 * writes its output.
 */
@ProviderType
public interface TcpConnection extends Closeable {
    /**
     * The bytes from the peer. A read waits at most {@link #setReadTimeout the read timeout}
     * ({@link java.net.SocketTimeoutException}); -1 at the peer's end of stream.
     */
    InputStream input();

    /** The bytes to the peer; a write waits while the stack's send buffer is full, at most the write timeout. */
    OutputStream output();

    /** Zero: wait for ever (until the connection or its stack closes). The default is zero. */
    void setReadTimeout(Duration timeout);

    /** Zero: wait for ever (until the connection or its stack closes). The default is zero. */
    void setWriteTimeout(Duration timeout);

    InetSocketAddress localAddress();

    InetSocketAddress remoteAddress();

    /** Sends the end of stream (FIN); reading goes on. */
    void shutdownOutput() throws IOException;

    /** Closes both directions; threads blocked in it get a {@link StackClosedException}. */
    @Override
    void close();
}
