package org.xenpv.net.tap.internal;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The C library calls and Linux constants the TAP code needs, direct-mapped:
 * arguments are primitives (addresses as {@code long}), so a call allocates
 * nothing. A call that fails returns -1; {@link Native#getLastError()} then
 * holds errno. The numbers are checked against the kernel's UAPI headers by
 * a test (LinuxNetConformanceTest).
 */
public final class LinuxNet {
    static {
        Native.register(LinuxNet.class, Platform.C_LIBRARY_NAME);
    }

    private LinuxNet() {
    }

    // <fcntl.h>, <sys/eventfd.h>, <poll.h>, <sys/socket.h>
    public static final int O_RDWR = 0x2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final short POLLIN = 0x1;
    public static final int POLLFD_SIZE = 8;
    public static final int POLLFD_FD = 0;
    public static final int POLLFD_EVENTS = 4;
    public static final int POLLFD_REVENTS = 6;
    public static final int AF_INET = 2;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int IOVEC_SIZE = 16;

    // errno
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;

    // <linux/if_tun.h>
    public static final long TUNSETIFF = 0x400454caL;
    public static final long TUNSETOFFLOAD = 0x400454d0L;
    public static final long TUNSETVNETHDRSZ = 0x400454d8L;
    public static final long TUNSETCARRIER = 0x400454e2L;
    public static final short IFF_TAP = 0x0002;
    public static final short IFF_NO_PI = 0x1000;
    public static final short IFF_VNET_HDR = 0x4000;
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;

    // <linux/sockios.h>, <net/if.h>
    public static final long SIOCGIFFLAGS = 0x8913;
    public static final long SIOCSIFFLAGS = 0x8914;
    public static final long SIOCSIFMTU = 0x8922;
    public static final long SIOCSIFHWADDR = 0x8924;
    public static final long SIOCGIFINDEX = 0x8933;
    public static final long SIOCBRADDIF = 0x89a2;
    public static final int IFNAMSIZ = 16;
    public static final int IFREQ_SIZE = 40;
    /** ifr_flags, ifr_mtu, ifr_ifindex and ifr_hwaddr all start here, in the union after the name. */
    public static final int IFREQ_UNION = 16;
    public static final short IFF_UP = 0x1;
    public static final short ARPHRD_ETHER = 1;

    public static native int open(String path, int flags);

    public static native int close(int fd);

    public static native int ioctl(int fd, long request, long argument);

    public static native long read(int fd, long buffer, long count);

    public static native long write(int fd, long buffer, long count);

    public static native long writev(int fd, long iov, int count);

    public static native int poll(long fds, long count, int timeoutMillis);

    public static native int eventfd(int initialValue, int flags);

    public static native int socket(int domain, int type, int protocol);

    public static native String strerror(int errno);
}
