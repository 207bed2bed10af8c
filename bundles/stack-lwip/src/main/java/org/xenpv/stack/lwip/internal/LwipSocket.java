package org.xenpv.stack.lwip.internal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.xenpv.stack.lwip.StackClosedException;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;

/**
 * One lwIP socket, always non-blocking: a Java thread that must wait polls it
 * in short slices and so notices when the socket or its stack is closed. lwIP
 * (built without full-duplex netconns) must never close a socket while
 * another thread is inside a call on it, so every call holds the read side of
 * {@link #use} and closing takes the write side; calls other than poll are
 * also serialised by {@link #calls}.
 */
abstract class LwipSocket implements AutoCloseable {
    /** How long one poll waits before looking at whether the socket was closed. */
    static final int POLL_SLICE_MILLIS = 100;

    final LwipRuntime lwip;
    final int fd;
    final SocketRegistry registry;
    private final ReentrantReadWriteLock use = new ReentrantReadWriteLock();
    private final ReentrantLock calls = new ReentrantLock();
    private volatile String closedBecause;
    private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

    LwipSocket(LwipRuntime lwip, SocketRegistry registry, int fd) throws IOException {
        this.lwip = lwip;
        this.registry = registry;
        this.fd = fd;
        if (lwip.lib.lwip_fcntl(fd, LwipAbi.F_SETFL, LwipAbi.O_NONBLOCK) < 0) {
            int errno = Native.getLastError();
            lwip.lib.lwip_close(fd);
            throw error("making the socket non-blocking", errno);
        }
        if (!registry.add(this)) {
            lwip.lib.lwip_close(fd);
            throw new StackClosedException("the stack is closed");
        }
    }

    static int open(LwipRuntime lwip, int type, int protocol, int domain) throws IOException {
        int fd = lwip.lib.lwip_socket(domain, type, protocol);
        if (fd < 0) {
            throw error("opening a socket", Native.getLastError());
        }
        return fd;
    }

    /** A call into lwIP on this socket, with errno read on the same thread. */
    interface Call {
        long invoke(LwipLibrary lib);
    }

    /** The result, or -errno. */
    final long call(Call call) throws StackClosedException {
        use.readLock().lock();
        try {
            ensureOpen();
            calls.lock();
            try {
                long result = call.invoke(lwip.lib);
                return result < 0 ? -Native.getLastError() : result;
            } finally {
                calls.unlock();
            }
        } finally {
            use.readLock().unlock();
        }
    }

    /**
     * Waits until {@code events} are ready, an error or hang-up is, or the deadline passes.
     *
     * @param deadline System.nanoTime() value; Long.MAX_VALUE for none
     * @return the ready events
     */
    final int await(short events, long deadline, String what) throws IOException {
        Memory pollfd = new Memory(LwipAbi.POLLFD_SIZE);
        while (true) {
            long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("timed out " + what);
            }
            int slice = (int) Math.min(POLL_SLICE_MILLIS, Math.max(1, left / 1_000_000));
            pollfd.setInt(0, fd);
            pollfd.setShort(4, events);
            pollfd.setShort(6, (short) 0);
            int ready;
            use.readLock().lock();
            try {
                ensureOpen();
                ready = lwip.lib.lwip_poll(pollfd, 1, slice);
            } finally {
                use.readLock().unlock();
            }
            if (ready < 0) {
                throw error(what, Native.getLastError());
            }
            if (ready > 0) {
                int revents = pollfd.getShort(6);
                if ((revents & LwipAbi.POLLNVAL) != 0) {
                    ensureOpen();
                    throw new SocketException("lwIP no longer knows the socket " + what);
                }
                return revents;
            }
        }
    }

    final void ensureOpen() throws StackClosedException {
        String why = closedBecause;
        if (why != null) {
            throw new StackClosedException(why);
        }
    }

    final boolean isOpen() {
        return closedBecause == null;
    }

    static long deadline(java.time.Duration timeout) {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            return Long.MAX_VALUE;
        }
        long nanos = timeout.toNanos();
        long now = System.nanoTime();
        return nanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos;
    }

    static boolean wouldBlock(long errno) {
        return errno == -LwipAbi.EAGAIN;
    }

    static IOException error(String what, long errno) {
        int code = (int) Math.abs(errno);
        String message = what + ": " + Errno.describe(code);
        return code == Errno.ECONNREFUSED || code == Errno.EHOSTUNREACH || code == Errno.ENETUNREACH
                ? new ConnectException(message) : new SocketException(message);
    }

    void setOption(int level, int name, byte[] value) throws IOException {
        long result = call(lib -> lib.lwip_setsockopt(fd, level, name, value, value.length));
        if (result < 0) {
            throw error("setting socket option " + level + "/" + name, result);
        }
    }

    int pendingError() throws IOException {
        byte[] value = new byte[4];
        IntByReference length = new IntByReference(4);
        long result = call(lib -> lib.lwip_getsockopt(fd, LwipAbi.SOL_SOCKET, LwipAbi.SO_ERROR, value, length));
        if (result < 0) {
            throw error("reading the socket's error", result);
        }
        return java.nio.ByteBuffer.wrap(value).order(java.nio.ByteOrder.nativeOrder()).getInt();
    }

    /** Binds the socket to the stack's interface, so that it sees only that Nic's traffic. */
    void bindToInterface(String interfaceName) throws IOException {
        byte[] ifreq = new byte[LwipAbi.IFREQ_SIZE];
        byte[] name = interfaceName.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, ifreq, 0, Math.min(name.length, 15));
        setOption(LwipAbi.SOL_SOCKET, LwipAbi.SO_BINDTODEVICE, ifreq);
    }

    /** Closes the socket in lwIP, once no call is inside it; threads waiting on it get {@code why}. */
    final void closeBecause(String why) {
        markClosed(why);
        if (!released.compareAndSet(false, true)) {
            return;
        }
        use.writeLock().lock(); // waits for the calls and polls in progress (a poll slice at most)
        try {
            lwip.lib.lwip_close(fd);
        } finally {
            use.writeLock().unlock();
        }
        registry.remove(this);
    }

    /** Marks the socket closed at once (for the stack's close, before the closes wait on their polls). */
    final void markClosed(String why) {
        if (closedBecause == null) {
            closedBecause = why;
        }
    }

    @Override
    public void close() {
        closeBecause("the socket is closed");
    }

    /** One row of ip:sockets. */
    abstract org.xenpv.stack.lwip.SocketInfo info();
}
