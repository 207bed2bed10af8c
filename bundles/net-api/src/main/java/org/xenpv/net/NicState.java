package org.xenpv.net;

/** The operating state of a Nic (HelenOS: nic_device_state_t). */
public enum NicState {
    /** Not started, or stopped by {@link Nic#down()}: frames are neither sent nor received. */
    STOPPED,
    /** Sending and receiving. */
    ACTIVE,
    /** Broken or disconnected from its backend; counters stay readable. */
    DOWN
}
