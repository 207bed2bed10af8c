package org.xenpv.net.tap;

/** A TAP interface could not be created or used; the message names what is missing or wrong. */
public class TapException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public TapException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The C library's error number, or 0 when the failure was not a system call's. */
    public int errno() {
        return errno;
    }
}
