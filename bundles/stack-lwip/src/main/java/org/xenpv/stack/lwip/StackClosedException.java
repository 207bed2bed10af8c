package org.xenpv.stack.lwip;

import java.io.IOException;

/** The socket, or the stack it belongs to, was closed while it was used. */
public class StackClosedException extends IOException {
    private static final long serialVersionUID = 1L;

    public StackClosedException(String message) {
        super(message);
    }
}
