package org.xenpv.platform.linux.internal;

/**
 * The Linux user-space ABI of the Xen devices and of the few system calls the
 * provider uses, on x86-64. Every number here is checked against the kernel's
 * UAPI headers by the conformance test.
 */
final class LinuxUapi {
    // <asm-generic/ioctl.h>: dir in bits 30-31, size in bits 16-29, type in 8-15, nr in 0-7.
    static final int IOC_NONE = 0;

    static long ioc(int dir, char type, int nr, int size) {
        if (size < 0 || size >= 1 << 14) {
            throw new IllegalArgumentException("ioctl argument size out of range: " + size);
        }
        return ((long) dir << 30) | ((long) size << 16) | ((long) type << 8) | nr;
    }

    // <xen/privcmd.h>: struct privcmd_hypercall { u64 op; u64 arg[5]; }
    static final int PRIVCMD_HYPERCALL_SIZE = 48;
    static final int PRIVCMD_HYPERCALL_OP = 0;
    static final int PRIVCMD_HYPERCALL_ARG = 8;
    static final long IOCTL_PRIVCMD_HYPERCALL = ioc(IOC_NONE, 'P', 0, PRIVCMD_HYPERCALL_SIZE);

    // <xen/evtchn.h>
    static final int EVTCHN_BIND_INTERDOMAIN_SIZE = 8;
    static final int EVTCHN_BIND_INTERDOMAIN_REMOTE_DOMAIN = 0;
    static final int EVTCHN_BIND_INTERDOMAIN_REMOTE_PORT = 4;
    static final long IOCTL_EVTCHN_BIND_INTERDOMAIN = ioc(IOC_NONE, 'E', 1, EVTCHN_BIND_INTERDOMAIN_SIZE);
    static final int EVTCHN_BIND_UNBOUND_PORT_SIZE = 4;
    static final long IOCTL_EVTCHN_BIND_UNBOUND_PORT = ioc(IOC_NONE, 'E', 2, EVTCHN_BIND_UNBOUND_PORT_SIZE);
    static final int EVTCHN_UNBIND_SIZE = 4;
    static final long IOCTL_EVTCHN_UNBIND = ioc(IOC_NONE, 'E', 3, EVTCHN_UNBIND_SIZE);
    static final int EVTCHN_NOTIFY_SIZE = 4;
    static final long IOCTL_EVTCHN_NOTIFY = ioc(IOC_NONE, 'E', 4, EVTCHN_NOTIFY_SIZE);
    /** read() and write() of the evtchn device move ports as 32-bit words. */
    static final int EVTCHN_PORT_SIZE = 4;

    // <xen/gntalloc.h>: struct ioctl_gntalloc_alloc_gref, with gref_ids[] growing past its one declared entry.
    static final int GNTALLOC_ALLOC_GREF_SIZE = 24;
    static final int GNTALLOC_ALLOC_GREF_DOMID = 0;
    static final int GNTALLOC_ALLOC_GREF_FLAGS = 2;
    static final int GNTALLOC_ALLOC_GREF_COUNT = 4;
    static final int GNTALLOC_ALLOC_GREF_INDEX = 8;
    static final int GNTALLOC_ALLOC_GREF_GREF_IDS = 16;
    static final long IOCTL_GNTALLOC_ALLOC_GREF = ioc(IOC_NONE, 'G', 5, GNTALLOC_ALLOC_GREF_SIZE);
    static final int GNTALLOC_FLAG_WRITABLE = 1;
    static final int GNTALLOC_DEALLOC_GREF_SIZE = 16;
    static final int GNTALLOC_DEALLOC_GREF_INDEX = 0;
    static final int GNTALLOC_DEALLOC_GREF_COUNT = 8;
    static final long IOCTL_GNTALLOC_DEALLOC_GREF = ioc(IOC_NONE, 'G', 6, GNTALLOC_DEALLOC_GREF_SIZE);
    static final int GNTALLOC_UNMAP_NOTIFY_SIZE = 16;
    static final int GNTALLOC_UNMAP_NOTIFY_INDEX = 0;
    static final int GNTALLOC_UNMAP_NOTIFY_ACTION = 8;
    static final int GNTALLOC_UNMAP_NOTIFY_EVENT_CHANNEL_PORT = 12;
    static final long IOCTL_GNTALLOC_SET_UNMAP_NOTIFY = ioc(IOC_NONE, 'G', 7, GNTALLOC_UNMAP_NOTIFY_SIZE);
    static final int UNMAP_NOTIFY_CLEAR_BYTE = 1;
    static final int UNMAP_NOTIFY_SEND_EVENT = 2;

    // <fcntl.h>, <sys/mman.h>, <poll.h>, <sys/eventfd.h>
    static final int O_RDWR = 02;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final short POLLIN = 1;
    static final int POLLFD_SIZE = 8;
    static final int POLLFD_FD = 0;
    static final int POLLFD_EVENTS = 4;
    static final int POLLFD_REVENTS = 6;
    static final int EFD_CLOEXEC = 02000000;
    static final int EFD_NONBLOCK = 04000;

    static final int PAGE_SIZE = 4096;

    private LinuxUapi() {
    }
}
