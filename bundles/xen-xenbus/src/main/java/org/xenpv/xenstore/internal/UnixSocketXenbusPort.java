package org.xenpv.xenstore.internal;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;

/** A XenStore channel over xenstored's Unix socket, as dom0's tools connect. */
final class UnixSocketXenbusPort implements XenbusPort {
    private final Path socket;
    private final SocketChannel channel;

    private UnixSocketXenbusPort(Path socket, SocketChannel channel) {
        this.socket = socket;
        this.channel = channel;
    }

    static UnixSocketXenbusPort connect(Path socket) throws PortException {
        try {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                channel.close();
                throw e;
            }
            return new UnixSocketXenbusPort(socket, channel);
        } catch (IOException e) {
            throw new PortException(socket.toString(), "connect", Errno.ENOTCONN, e.getMessage());
        }
    }

    @Override
    public void write(ByteBuffer message) throws PortException {
        try {
            while (message.hasRemaining()) {
                channel.write(message);
            }
        } catch (IOException e) {
            throw new PortException(socket.toString(), "write", Errno.EIO, e.getMessage());
        }
    }

    @Override
    public int read(ByteBuffer dst) throws PortException {
        try {
            return channel.read(dst);
        } catch (AsynchronousCloseException e) {
            return -1;
        } catch (IOException e) {
            if (!channel.isOpen()) {
                return -1;
            }
            throw new PortException(socket.toString(), "read", Errno.EIO, e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // the socket is released regardless
        }
    }
}
