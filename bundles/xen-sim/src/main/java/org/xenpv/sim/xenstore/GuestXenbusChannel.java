package org.xenpv.sim.xenstore;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;

import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;

/**
 * A guest's xenbus device on the simulator: what the guest writes goes to the
 * server as that domain; replies and watch events queue up for its reads.
 */
public final class GuestXenbusChannel implements XenbusPort, MessageSink {
    static final String DEVICE = "sim:xenbus";

    private final XsConnection connection;
    private final Deque<ByteBuffer> inbound = new ArrayDeque<>();
    private boolean closed;

    public GuestXenbusChannel(XenStoreServer server, int domid) {
        this.connection = server.connect(domid, this);
    }

    @Override
    public void write(ByteBuffer message) throws PortException {
        synchronized (this) {
            if (closed) {
                throw new PortException(DEVICE, "write", Errno.ENOTCONN, "the channel is closed");
            }
        }
        connection.receive(message);
    }

    @Override
    public int read(ByteBuffer dst) throws PortException {
        synchronized (this) {
            while (inbound.isEmpty() && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PortException(DEVICE, "read", Errno.EINTR, "interrupted");
                }
            }
            if (inbound.isEmpty()) {
                return -1;
            }
            ByteBuffer head = inbound.peek();
            int n = Math.min(head.remaining(), dst.remaining());
            dst.put(head.slice().limit(n));
            head.position(head.position() + n);
            if (!head.hasRemaining()) {
                inbound.poll();
            }
            return n;
        }
    }

    /** Messages waiting to be read. */
    synchronized int queuedMessages() {
        return inbound.size();
    }

    @Override
    public synchronized void send(ByteBuffer message) {
        if (!closed) {
            inbound.add(message);
            notifyAll();
        }
    }

    /**
     * Ends the channel (from either side); reads drain what is queued, then end.
     * The server is told outside this channel's lock, since the server calls
     * {@link #send} while holding its own.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        connection.close();
    }
}
