package org.xenpv.platform.linux.internal;

import static org.xenpv.platform.linux.internal.LinuxUapi.EFD_CLOEXEC;
import static org.xenpv.platform.linux.internal.LinuxUapi.EFD_NONBLOCK;
import static org.xenpv.platform.linux.internal.LinuxUapi.MAP_SHARED;
import static org.xenpv.platform.linux.internal.LinuxUapi.O_CLOEXEC;
import static org.xenpv.platform.linux.internal.LinuxUapi.O_NONBLOCK;
import static org.xenpv.platform.linux.internal.LinuxUapi.O_RDWR;
import static org.xenpv.platform.linux.internal.LinuxUapi.POLLFD_EVENTS;
import static org.xenpv.platform.linux.internal.LinuxUapi.POLLFD_FD;
import static org.xenpv.platform.linux.internal.LinuxUapi.POLLFD_REVENTS;
import static org.xenpv.platform.linux.internal.LinuxUapi.POLLFD_SIZE;
import static org.xenpv.platform.linux.internal.LinuxUapi.POLLIN;
import static org.xenpv.platform.linux.internal.LinuxUapi.PROT_READ;
import static org.xenpv.platform.linux.internal.LinuxUapi.PROT_WRITE;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.PortException;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * One opened device file, non-blocking, with an eventfd beside it so that
 * {@link #close} wakes a thread waiting in {@link #awaitReadable}. The
 * descriptor is closed only after every call in flight on it has returned, so
 * a closing port can never make another thread use a reused descriptor number.
 */
final class DeviceFile implements AutoCloseable {
    private static final Libc LIBC = Libc.INSTANCE;

    private final String path;
    private final int fd;
    private final int wakeFd;
    private final ReentrantReadWriteLock inFlight = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private DeviceFile(String path, int fd, int wakeFd) {
        this.path = path;
        this.fd = fd;
        this.wakeFd = wakeFd;
    }

    static DeviceFile open(String path) throws PortException {
        int fd;
        try {
            fd = LIBC.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw failure(path, "open", e, "opening the device read-write");
        }
        try {
            return new DeviceFile(path, fd, LIBC.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        } catch (LastErrorException e) {
            LIBC.close(fd);
            throw failure(path, "eventfd", e, "creating the wake-up descriptor");
        }
    }

    String path() {
        return path;
    }

    boolean isClosed() {
        return closed;
    }

    /** Issues an ioctl whose argument is {@code argument}; returns what it returns. */
    int ioctl(String operation, long request, Pointer argument, String detail) throws PortException {
        Lock lock = enter(operation);
        try {
            return LIBC.ioctl(fd, new NativeLong(request), argument);
        } catch (LastErrorException e) {
            throw failure(path, operation, e, detail);
        } finally {
            lock.unlock();
        }
    }

    /** Reads up to {@code length} bytes; returns -1 when nothing is available now. */
    int read(String operation, Pointer buffer, int length) throws PortException {
        Lock lock = enter(operation);
        try {
            return (int) LIBC.read(fd, buffer, new NativeLong(length)).longValue();
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Errno.EAGAIN.number()) {
                return -1;
            }
            throw failure(path, operation, e, "reading up to " + length + " bytes");
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code length} bytes, all of them or a failure. */
    void writeFully(String operation, Pointer buffer, int length) throws PortException {
        Lock lock = enter(operation);
        try {
            long written = LIBC.write(fd, buffer, new NativeLong(length)).longValue();
            if (written != length) {
                // The Xen devices take whole messages or nothing; a short write means the device is confused.
                throw new PortException(path, operation, Errno.EIO,
                        "wrote " + written + " of " + length + " bytes");
            }
        } catch (LastErrorException e) {
            throw failure(path, operation, e, "writing " + length + " bytes");
        } finally {
            lock.unlock();
        }
    }

    /** Maps {@code length} bytes of the device at {@code offset}, shared and read-write. */
    Pointer mmap(String operation, long length, long offset) throws PortException {
        Lock lock = enter(operation);
        try {
            return LIBC.mmap(null, new NativeLong(length), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                    new NativeLong(offset));
        } catch (LastErrorException e) {
            throw failure(path, operation, e, length + " bytes at offset " + offset);
        } finally {
            lock.unlock();
        }
    }

    void munmap(String operation, Pointer address, long length) throws PortException {
        try {
            LIBC.munmap(address, new NativeLong(length));
        } catch (LastErrorException e) {
            throw failure(path, operation, e, length + " bytes");
        }
    }

    /**
     * Waits until the device has something to read.
     *
     * @return true when readable; false when the timeout passed or the file is closing
     */
    boolean awaitReadable(long timeoutMillis) throws PortException {
        Lock lock = inFlight.readLock();
        lock.lock();
        try (Memory fds = new Memory(2L * POLLFD_SIZE)) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (!closed) {
                fds.clear();
                fds.setInt(POLLFD_FD, fd);
                fds.setShort(POLLFD_EVENTS, POLLIN);
                fds.setInt(POLLFD_SIZE + POLLFD_FD, wakeFd);
                fds.setShort(POLLFD_SIZE + POLLFD_EVENTS, POLLIN);
                long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                int ready;
                try {
                    ready = LIBC.poll(fds, new NativeLong(2), (int) Math.max(0, Math.min(Integer.MAX_VALUE, remaining)));
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == Errno.EINTR.number()) {
                        continue;
                    }
                    throw failure(path, "poll", e, "waiting to read");
                }
                if (ready == 0) {
                    return false;
                }
                if (fds.getShort(POLLFD_SIZE + POLLFD_REVENTS) != 0) {
                    return false;
                }
                if (fds.getShort(POLLFD_REVENTS) != 0) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes any waiter, waits for calls in flight to return, then closes the descriptors. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Memory one = new Memory(8)) {
            one.setLong(0, 1);
            LIBC.write(wakeFd, one, new NativeLong(8));
        } catch (LastErrorException e) {
            // Only a counter overflow can fail here, and then the eventfd is readable anyway.
        }
        inFlight.writeLock().lock();
        try {
            closeQuietly(fd);
            closeQuietly(wakeFd);
        } finally {
            inFlight.writeLock().unlock();
        }
    }

    private static void closeQuietly(int descriptor) {
        try {
            LIBC.close(descriptor);
        } catch (LastErrorException e) {
            // close(2) releases the descriptor even when it reports an error; nothing is left to undo.
        }
    }

    private Lock enter(String operation) throws PortException {
        Lock lock = inFlight.readLock();
        lock.lock();
        if (closed) {
            lock.unlock();
            throw new PortException(path, operation, Errno.EBADF, "the device port is closed");
        }
        return lock;
    }

    static PortException failure(String path, String operation, LastErrorException e, String detail) {
        int errno = e.getErrorCode();
        return new PortException(path, operation, errno, Errno.nameOf(errno), detail);
    }
}
