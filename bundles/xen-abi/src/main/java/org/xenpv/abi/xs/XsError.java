package org.xenpv.abi.xs;

/**
 * The errors XenStore sends back, as names: an XS_ERROR reply carries the errno
 * name as a NUL-terminated string ({@code xsd_errors[]} in xs_wire.h), never a
 * number, so that both ends need not agree on errno values.
 */
public enum XsError {
    EINVAL, EACCES, EEXIST, EISDIR, ENOENT, ENOMEM, ENOSPC, EIO,
    ENOTEMPTY, ENOSYS, EROFS, EBUSY, EAGAIN, EISCONN, E2BIG, EPERM;

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
