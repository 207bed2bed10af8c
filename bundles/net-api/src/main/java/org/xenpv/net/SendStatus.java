package org.xenpv.net;

/** What became of a frame given to {@link Nic#offer}. */
public enum SendStatus {
    /** Queued for transmission (and counted when it leaves). */
    QUEUED,
    /** The queue it hashes to is full: not taken and not counted; offer it again once there is room. */
    FULL,
    /** Not taken, and counted as dropped: the Nic is not ACTIVE. */
    DROPPED
}
