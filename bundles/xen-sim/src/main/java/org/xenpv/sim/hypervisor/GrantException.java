package org.xenpv.sim.hypervisor;

import org.xenpv.abi.grant.GrantStatus;

/** A grant operation was refused; carries the GNTST_* status Xen would report. */
public class GrantException extends Exception {
    private static final long serialVersionUID = 1L;

    private final GrantStatus status;

    public GrantException(GrantStatus status, String message) {
        super(message + " (GNTST " + status + ")");
        this.status = status;
    }

    public GrantStatus status() {
        return status;
    }
}
