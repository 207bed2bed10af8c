package org.xenpv.platform.spi;

import java.io.IOException;

/**
 * A port operation failed. Names the device and the operation, and the errno
 * the kernel (or the simulator, which uses the same numbers) reported.
 */
public class PortException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String device;
    private final String operation;
    private final int errno;

    /**
     * @param device the device, for example "/dev/xen/evtchn" or "sim:evtchn"
     * @param operation the operation, for example "IOCTL_EVTCHN_BIND_INTERDOMAIN"
     * @param errno the error number, 0 when there is none
     * @param errnoName the symbolic name of the error, for example "EINVAL"
     * @param detail what was asked, for the reader of the message
     */
    public PortException(String device, String operation, int errno, String errnoName, String detail) {
        super(device + ": " + operation + " failed: " + errnoName + (errno != 0 ? " (" + errno + ")" : "")
                + (detail == null || detail.isEmpty() ? "" : " - " + detail));
        this.device = device;
        this.operation = operation;
        this.errno = errno;
    }

    /** A failure with a known errno. */
    public PortException(String device, String operation, Errno errno, String detail) {
        this(device, operation, errno.number(), errno.name(), detail);
    }

    public String device() {
        return device;
    }

    public String operation() {
        return operation;
    }

    public int errno() {
        return errno;
    }
}
