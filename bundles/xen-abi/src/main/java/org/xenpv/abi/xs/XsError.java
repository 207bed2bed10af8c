package org.xenpv.abi.xs;

/**
 * The errors XenStore sends back, as names: an XS_ERROR reply carries the errno
 * name as a NUL-terminated string ({@code xsd_errors[]} in xs_wire.h), never a
 * number, so that both ends need not agree on errno values.
 */
public enum XsError {
    EINVAL(22), EACCES(13), EEXIST(17), EISDIR(21), ENOENT(2), ENOMEM(12), ENOSPC(28), EIO(5),
    ENOTEMPTY(39), ENOSYS(38), EROFS(30), EBUSY(16), EAGAIN(11), EISCONN(106), E2BIG(7), EPERM(1);

    private final int errno;

    XsError(int errno) {
        this.errno = errno;
    }

    /** The Linux errno of this error, for messages and for ports that report numbers. */
    public int errno() {
        return errno;
    }

    /**
     * The error named by an XS_ERROR payload (without its NUL), or {@code null}
     * when the name is not one xs_wire.h defines.
     */
    public static XsError fromName(String name) {
        for (XsError error : values()) {
            if (error.name().equals(name)) {
                return error;
            }
        }
        return null;
    }
}
