package org.xenpv.platform.spi;

/**
 * The Linux errno values that the Xen devices report (x86-64 numbering), so
 * that both providers name failures the same way.
 */
public enum Errno {
    EPERM(1), ENOENT(2), ESRCH(3), EINTR(4), EIO(5), ENXIO(6), E2BIG(7), EBADF(9), EAGAIN(11), ENOMEM(12),
    EACCES(13), EFAULT(14), EBUSY(16), EEXIST(17), ENODEV(19), EINVAL(22), ENFILE(23), EMFILE(24),
    ENOTTY(25), ENOSPC(28), ENOSYS(38), ENOTCONN(107);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The name of errno {@code number}, or "errno N" for one not listed here. */
    public static String nameOf(int number) {
        for (Errno errno : values()) {
            if (errno.number == number) {
                return errno.name();
            }
        }
        return "errno " + number;
    }
}
