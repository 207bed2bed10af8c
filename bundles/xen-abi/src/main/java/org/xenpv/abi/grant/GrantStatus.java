package org.xenpv.abi.grant;

/** Results of grant operations ({@code GNTST_*}), as Xen reports them per operation. */
public enum GrantStatus {
    OKAY(0),
    GENERAL_ERROR(-1),
    BAD_DOMAIN(-2),
    BAD_GNTREF(-3),
    BAD_HANDLE(-4),
    BAD_VIRT_ADDR(-5),
    BAD_DEV_ADDR(-6),
    NO_DEVICE_SPACE(-7),
    PERMISSION_DENIED(-8),
    BAD_PAGE(-9),
    BAD_COPY_ARG(-10),
    ADDRESS_TOO_BIG(-11),
    EAGAIN(-12),
    NO_SPACE(-13);

    private final int code;

    GrantStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The status with this code, or {@code null} when Xen defines none. */
    public static GrantStatus fromCode(int code) {
        for (GrantStatus status : values()) {
            if (status.code == code) {
                return status;
            }
        }
        return null;
    }
}
