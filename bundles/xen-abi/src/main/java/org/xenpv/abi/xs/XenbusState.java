package org.xenpv.abi.xs;

/**
 * The XenBus device states ({@code enum xenbus_state}), written as decimal
 * strings to the {@code state} node of each end of a split device.
 */
public enum XenbusState {
    UNKNOWN(0),
    INITIALISING(1),
    /** The backend waits for the frontend's details (rings, event channels). */
    INIT_WAIT(2),
    INITIALISED(3),
    CONNECTED(4),
    CLOSING(5),
    CLOSED(6),
    RECONFIGURING(7),
    RECONFIGURED(8);

    private final int code;

    XenbusState(int code) {
        this.code = code;
    }

    /** The number written to XenStore. */
    public int code() {
        return code;
    }

    /** The state with this number, or {@code null} when the number names none. */
    public static XenbusState fromCode(long code) {
        for (XenbusState state : values()) {
            if (state.code == code) {
                return state;
            }
        }
        return null;
    }
}
