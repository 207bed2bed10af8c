package org.xenpv.net.tap;

import static org.xenpv.net.tap.internal.LinuxNet.AF_INET;
import static org.xenpv.net.tap.internal.LinuxNet.ARPHRD_ETHER;
import static org.xenpv.net.tap.internal.LinuxNet.EACCES;
import static org.xenpv.net.tap.internal.LinuxNet.EAGAIN;
import static org.xenpv.net.tap.internal.LinuxNet.EBUSY;
import static org.xenpv.net.tap.internal.LinuxNet.EFD_CLOEXEC;
import static org.xenpv.net.tap.internal.LinuxNet.EFD_NONBLOCK;
import static org.xenpv.net.tap.internal.LinuxNet.EINTR;
import static org.xenpv.net.tap.internal.LinuxNet.ENODEV;
import static org.xenpv.net.tap.internal.LinuxNet.ENOENT;
import static org.xenpv.net.tap.internal.LinuxNet.EPERM;
import static org.xenpv.net.tap.internal.LinuxNet.IFF_NO_PI;
import static org.xenpv.net.tap.internal.LinuxNet.IFF_TAP;
import static org.xenpv.net.tap.internal.LinuxNet.IFF_UP;
import static org.xenpv.net.tap.internal.LinuxNet.IFF_VNET_HDR;
import static org.xenpv.net.tap.internal.LinuxNet.IFNAMSIZ;
import static org.xenpv.net.tap.internal.LinuxNet.IFREQ_SIZE;
import static org.xenpv.net.tap.internal.LinuxNet.IFREQ_UNION;
import static org.xenpv.net.tap.internal.LinuxNet.O_CLOEXEC;
import static org.xenpv.net.tap.internal.LinuxNet.O_NONBLOCK;
import static org.xenpv.net.tap.internal.LinuxNet.O_RDWR;
import static org.xenpv.net.tap.internal.LinuxNet.POLLFD_EVENTS;
import static org.xenpv.net.tap.internal.LinuxNet.POLLFD_FD;
import static org.xenpv.net.tap.internal.LinuxNet.POLLFD_REVENTS;
import static org.xenpv.net.tap.internal.LinuxNet.POLLFD_SIZE;
import static org.xenpv.net.tap.internal.LinuxNet.POLLIN;
import static org.xenpv.net.tap.internal.LinuxNet.SIOCBRADDIF;
import static org.xenpv.net.tap.internal.LinuxNet.SIOCGIFFLAGS;
import static org.xenpv.net.tap.internal.LinuxNet.SIOCGIFINDEX;
import static org.xenpv.net.tap.internal.LinuxNet.SIOCSIFFLAGS;
import static org.xenpv.net.tap.internal.LinuxNet.SIOCSIFHWADDR;
import static org.xenpv.net.tap.internal.LinuxNet.SIOCSIFMTU;
import static org.xenpv.net.tap.internal.LinuxNet.SOCK_CLOEXEC;
import static org.xenpv.net.tap.internal.LinuxNet.SOCK_DGRAM;
import static org.xenpv.net.tap.internal.LinuxNet.TUNSETCARRIER;
import static org.xenpv.net.tap.internal.LinuxNet.TUNSETIFF;
import static org.xenpv.net.tap.internal.LinuxNet.TUNSETOFFLOAD;
import static org.xenpv.net.tap.internal.LinuxNet.TUNSETVNETHDRSZ;
import static org.xenpv.net.tap.internal.LinuxNet.TUN_F_CSUM;
import static org.xenpv.net.tap.internal.LinuxNet.TUN_F_TSO4;
import static org.xenpv.net.tap.internal.LinuxNet.TUN_F_TSO6;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.xenpv.net.tap.internal.LinuxNet;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * A Linux TAP interface whose frames carry virtio-net headers. It exists
 * while this object is open: closing the descriptor removes the interface
 * (it is not made persistent). Reading is for one thread at a time
 * ({@link #read}); writing is for any number of threads, each with its own
 * {@link TapWriter}. The descriptor is closed only after every call in flight
 * on it has returned, so a closing device never lets a thread use a reused
 * descriptor number.
 */
public final class TapDevice implements AutoCloseable {
    /** What the kernel may hand us (TUNSETOFFLOAD): partial checksums, and TCP super-frames. */
    public record Offloads(boolean checksum, boolean tsoV4, boolean tsoV6) {
        public static final Offloads NONE = new Offloads(false, false, false);

        public Offloads {
            if ((tsoV4 || tsoV6) && !checksum) {
                throw new IllegalArgumentException("TCP segmentation offload needs checksum offload");
            }
        }

        int tunFlags() {
            return (checksum ? TUN_F_CSUM : 0) | (tsoV4 ? TUN_F_TSO4 : 0) | (tsoV6 ? TUN_F_TSO6 : 0);
        }
    }

    /** The largest frame a TAP interface hands over: 64 KiB of GSO super-frame plus an Ethernet header. */
    public static final int MAX_FRAME_BYTES = 65536 + 14;
    private static final String TUN = "/dev/net/tun";

    private final String name;
    private final int fd;
    private final int wakeFd;
    private final int ifindex;
    private final ReentrantReadWriteLock inFlight = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private TapDevice(String name, int fd, int wakeFd, int ifindex) {
        this.name = name;
        this.fd = fd;
        this.wakeFd = wakeFd;
        this.ifindex = ifindex;
    }

    /**
     * Creates TAP interface {@code name}. It starts administratively down,
     * with the kernel's MAC address and MTU, carrier on and no offloads.
     *
     * @throws TapException naming what is missing: /dev/net/tun, or CAP_NET_ADMIN, or a free name
     */
    public static TapDevice create(String name) throws TapException {
        byte[] nameBytes = checkName(name);
        int fd = LinuxNet.open(TUN, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            int errno = Native.getLastError();
            if (errno == ENOENT || errno == ENODEV) {
                throw new TapException(TUN + " is missing: load the tun module (modprobe tun)", errno);
            }
            if (errno == EACCES || errno == EPERM) {
                throw new TapException("opening " + TUN + " was refused: TAP interfaces need root or CAP_NET_ADMIN",
                        errno);
            }
            throw failure("opening " + TUN, errno);
        }
        int wakeFd = -1;
        try (Memory request = new Memory(IFREQ_SIZE)) {
            request.clear();
            request.write(0, nameBytes, 0, nameBytes.length);
            request.setShort(IFREQ_UNION, (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
            if (LinuxNet.ioctl(fd, TUNSETIFF, Pointer.nativeValue(request)) < 0) {
                int errno = Native.getLastError();
                if (errno == EPERM || errno == EACCES) {
                    throw new TapException("creating TAP interface " + name
                            + " was refused: it needs CAP_NET_ADMIN (root, or that capability)", errno);
                }
                if (errno == EBUSY) {
                    throw new TapException("interface " + name + " exists and is in use", errno);
                }
                throw failure("creating TAP interface " + name + " (it may exist as another kind of interface)",
                        errno);
            }
            try (Memory size = new Memory(4)) {
                size.setInt(0, VirtioNetHeader.SIZE);
                check(LinuxNet.ioctl(fd, TUNSETVNETHDRSZ, Pointer.nativeValue(size)),
                        "setting the virtio-net header size of " + name);
            }
            wakeFd = LinuxNet.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            check(wakeFd, "creating the wake-up descriptor of " + name);
            int index = ifreqCall(name, SIOCGIFINDEX, null, "reading the index of " + name).getInt(IFREQ_UNION);
            return new TapDevice(name, fd, wakeFd, index);
        } catch (TapException | RuntimeException e) {
            LinuxNet.close(fd);
            if (wakeFd >= 0) {
                LinuxNet.close(wakeFd);
            }
            throw e;
        }
    }

    private static byte[] checkName(String name) {
        byte[] bytes = name == null ? new byte[0] : name.getBytes(StandardCharsets.US_ASCII);
        boolean plain = name != null && !name.isEmpty() && bytes.length < IFNAMSIZ && !name.equals(".")
                && !name.equals("..") && name.chars().allMatch(c -> c > ' ' && c < 127 && c != '/' && c != ':'
                        && c != '%');
        if (!plain) {
            throw new IllegalArgumentException("'" + name + "' is not an interface name: 1 to " + (IFNAMSIZ - 1)
                    + " printable ASCII characters without '/', ':', '%' or spaces");
        }
        return bytes;
    }

    public String name() {
        return name;
    }

    /** The interface's index, as it was when created. */
    public int ifindex() {
        return ifindex;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Sets the interface's MAC address (while it is in this process's network namespace). */
    public void setMacAddress(long mac) throws TapException {
        if ((mac & ~0xffff_ffff_ffffL) != 0 || (mac >>> 40 & 1) != 0) {
            throw new IllegalArgumentException("not a unicast 48-bit address: " + Long.toHexString(mac));
        }
        ifreqCall(name, SIOCSIFHWADDR, request -> {
            request.setShort(IFREQ_UNION, ARPHRD_ETHER);
            for (int i = 0; i < 6; i++) {
                request.setByte(IFREQ_UNION + 2 + i, (byte) (mac >>> (40 - 8 * i)));
            }
        }, "setting the MAC address of " + name).close();
    }

    /** Sets the interface's MTU (while it is in this process's network namespace). */
    public void setMtu(int mtu) throws TapException {
        ifreqCall(name, SIOCSIFMTU, request -> request.setInt(IFREQ_UNION, mtu), "setting the MTU of " + name
                + " to " + mtu).close();
    }

    /** Brings the interface administratively up or down (while it is in this process's network namespace). */
    public void setUp(boolean up) throws TapException {
        try (Memory current = ifreqCall(name, SIOCGIFFLAGS, null, "reading the flags of " + name)) {
            short flags = current.getShort(IFREQ_UNION);
            short wanted = (short) (up ? flags | IFF_UP : flags & ~IFF_UP);
            ifreqCall(name, SIOCSIFFLAGS, request -> request.setShort(IFREQ_UNION, wanted),
                    "setting " + name + (up ? " up" : " down")).close();
        }
    }

    /** Enslaves the interface to Linux bridge {@code bridge}, as libxl's vif-bridge script does. */
    public void addToBridge(String bridge) throws TapException {
        checkName(bridge);
        ifreqCall(bridge, SIOCBRADDIF, request -> request.setInt(IFREQ_UNION, ifindex),
                "adding " + name + " to bridge " + bridge + " (is it a bridge?)").close();
    }

    /** Tells the kernel which offloaded frames this side can take. */
    public void setOffloads(Offloads offloads) throws TapException {
        // TUNSETOFFLOAD takes the flags themselves as its argument, not a pointer to them.
        ioctl(TUNSETOFFLOAD, offloads.tunFlags(), "setting the offloads of " + name + " to " + offloads);
    }

    /** Sets the interface's carrier, which its link state shows (lower-layer up or down). */
    public void setCarrier(boolean on) throws TapException {
        try (Memory value = new Memory(4)) {
            value.setInt(0, on ? 1 : 0);
            ioctl(TUNSETCARRIER, Pointer.nativeValue(value), "setting the carrier of " + name + (on ? " on" : " off"));
        }
    }

    private void ioctl(long request, long argument, String what) throws TapException {
        Lock lock = enter(what);
        try {
            check(LinuxNet.ioctl(fd, request, argument), what);
        } finally {
            lock.unlock();
        }
    }

    private interface IfreqFiller {
        void fill(Memory request);
    }

    /** An ioctl on a socket about the interface named {@code subject}; returns the ifreq (close it). */
    private static Memory ifreqCall(String subject, long request, IfreqFiller filler, String what)
            throws TapException {
        int socket = LinuxNet.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        check(socket, "opening a control socket for " + what);
        Memory ifreq = new Memory(IFREQ_SIZE);
        try {
            ifreq.clear();
            byte[] nameBytes = subject.getBytes(StandardCharsets.US_ASCII);
            ifreq.write(0, nameBytes, 0, nameBytes.length);
            if (filler != null) {
                filler.fill(ifreq);
            }
            check(LinuxNet.ioctl(socket, request, Pointer.nativeValue(ifreq)), what);
            return ifreq;
        } catch (TapException | RuntimeException e) {
            ifreq.close();
            throw e;
        } finally {
            LinuxNet.close(socket);
        }
    }

    /**
     * Waits until the kernel has frames for us (or {@code timeoutMillis}
     * passed), then reads as many as are ready, up to the batch's capacity.
     *
     * @return frames read into the batch (0 when the wait ended without any); -1 once the device is closed
     */
    public int read(TapReadBatch batch, long timeoutMillis) throws TapException {
        batch.reset();
        Lock lock = inFlight.readLock();
        lock.lock();
        try {
            if (closed) {
                return -1;
            }
            if (!awaitReadable(batch, timeoutMillis)) {
                return closed ? -1 : 0;
            }
            while (batch.size() < batch.capacity()) {
                long got = LinuxNet.read(fd, batch.slotAddress(batch.size()), batch.slotBytes());
                if (got < 0) {
                    int errno = Native.getLastError();
                    if (errno == EINTR) {
                        continue;
                    }
                    if (errno == EAGAIN) {
                        break;
                    }
                    throw failure("reading from " + name, errno);
                }
                batch.accept((int) got);
            }
            return batch.size();
        } finally {
            lock.unlock();
        }
    }

    private boolean awaitReadable(TapReadBatch batch, long timeoutMillis) throws TapException {
        long fds = batch.pollAddress();
        Memory memory = batch.pollMemory();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!closed) {
            memory.setInt(POLLFD_FD, fd);
            memory.setShort(POLLFD_EVENTS, POLLIN);
            memory.setShort(POLLFD_REVENTS, (short) 0);
            memory.setInt(POLLFD_SIZE + POLLFD_FD, wakeFd);
            memory.setShort(POLLFD_SIZE + POLLFD_EVENTS, POLLIN);
            memory.setShort(POLLFD_SIZE + POLLFD_REVENTS, (short) 0);
            long remaining = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            int ready = LinuxNet.poll(fds, 2, (int) Math.min(Integer.MAX_VALUE, remaining));
            if (ready < 0) {
                int errno = Native.getLastError();
                if (errno == EINTR) {
                    continue;
                }
                throw failure("waiting for frames on " + name, errno);
            }
            if (ready == 0 || memory.getShort(POLLFD_SIZE + POLLFD_REVENTS) != 0) {
                return false;
            }
            if (memory.getShort(POLLFD_REVENTS) != 0) {
                return true;
            }
        }
        return false;
    }

    /** A writer for one thread: it owns the scratch memory its writes use. */
    public TapWriter newWriter() {
        return new TapWriter(this);
    }

    /** One writev on the descriptor; returns errno on failure, 0 on success. */
    int writev(long iov, int count) {
        Lock lock = inFlight.readLock();
        lock.lock();
        try {
            if (closed) {
                return LinuxNet.EIO;
            }
            while (true) {
                if (LinuxNet.writev(fd, iov, count) >= 0) {
                    return 0;
                }
                int errno = Native.getLastError();
                if (errno != EINTR) {
                    return errno;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private Lock enter(String what) throws TapException {
        Lock lock = inFlight.readLock();
        lock.lock();
        if (closed) {
            lock.unlock();
            throw new TapException(what + ": " + name + " is closed", LinuxNet.EIO);
        }
        return lock;
    }

    /** Removes the interface: wakes a reader, waits for calls in flight, closes the descriptors. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try (Memory one = new Memory(8)) {
            one.setLong(0, 1);
            LinuxNet.write(wakeFd, Pointer.nativeValue(one), 8);
        }
        inFlight.writeLock().lock();
        try {
            LinuxNet.close(fd);
            LinuxNet.close(wakeFd);
        } finally {
            inFlight.writeLock().unlock();
        }
    }

    private static void check(int result, String what) throws TapException {
        if (result < 0) {
            throw failure(what, Native.getLastError());
        }
    }

    static TapException failure(String what, int errno) {
        return new TapException(what + ": " + describe(errno), errno);
    }

    static String describe(int errno) {
        String text = LinuxNet.strerror(errno);
        return (text == null ? "error" : text) + " (errno " + errno + ")";
    }

    @Override
    public String toString() {
        return "TAP " + name + (closed ? " (closed)" : "");
    }
}
