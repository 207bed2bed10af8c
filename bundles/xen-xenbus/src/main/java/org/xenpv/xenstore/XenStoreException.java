package org.xenpv.xenstore;

import java.io.IOException;

import org.xenpv.abi.xs.XsError;

/**
 * A XenStore operation failed: XenStore refused it (the error it named), or
 * the connection failed (EIO). Names the operation and the path.
 */
public class XenStoreException extends IOException {
    private static final long serialVersionUID = 1L;

    private final XsError error;
    private final String operation;
    private final String path;

    public XenStoreException(XsError error, String operation, String path, String detail) {
        super(operation + (path == null ? "" : " " + path) + ": " + error
                + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
        this.error = error;
        this.operation = operation;
        this.path = path;
    }

    public XenStoreException(XsError error, String operation, String path, String detail, Throwable cause) {
        this(error, operation, path, detail);
        initCause(cause);
    }

    /** What XenStore answered, or EIO when the connection failed. */
    public XsError error() {
        return error;
    }

    /** The operation, for example "XS_READ". */
    public String operation() {
        return operation;
    }

    /** The path the operation was about; null for operations without one. */
    public String path() {
        return path;
    }
}
