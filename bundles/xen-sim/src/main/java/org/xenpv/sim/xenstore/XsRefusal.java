package org.xenpv.sim.xenstore;

import org.xenpv.abi.xs.XsError;

/** A request the server refuses; becomes an XS_ERROR reply naming {@link #error()}. */
final class XsRefusal extends Exception {
    private static final long serialVersionUID = 1L;

    private final XsError error;

    XsRefusal(XsError error, String why) {
        super(error + ": " + why, null, false, false);
        this.error = error;
    }

    XsError error() {
        return error;
    }
}
