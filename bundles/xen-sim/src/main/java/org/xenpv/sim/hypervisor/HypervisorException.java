package org.xenpv.sim.hypervisor;

import org.xenpv.platform.spi.Errno;

/** A hypercall of the simulated hypervisor failed; carries the errno Xen would return. */
public class HypervisorException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public HypervisorException(Errno errno, String message) {
        super(message);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
