package org.xenpv.net;

/** The device cannot do what was asked (for example set its MAC address, or go promiscuous). */
public class UnsupportedNicOperationException extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;

    public UnsupportedNicOperationException(String nic, String operation, String why) {
        super(nic + ": " + operation + " is not supported: " + why);
    }
}
