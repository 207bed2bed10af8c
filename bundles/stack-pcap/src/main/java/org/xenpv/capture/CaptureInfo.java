package org.xenpv.capture;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One capture, as it was when asked.
 *
 * @param nic the Nic's name
 * @param file the pcapng file (absolute)
 * @param framesWritten frames written to the file
 * @param bytesWritten the file's size: its headers and the frames written
 * @param framesDropped frames the capture could not take because its buffer was full (the Nic carried them)
 * @param state running, or how it ended
 * @param failure why it failed, when {@link State#FAILED}
 */
public record CaptureInfo(String nic, Path file, long framesWritten, long bytesWritten, long framesDropped,
        State state, Optional<String> failure) {

    /** Where a capture is. */
    public enum State {
        /** Taking frames. */
        RUNNING,
        /** Asked to end, and writing out the frames it had accepted. */
        STOPPING,
        /** Ended by {@link Captures#stop} or because the capture service stopped. */
        STOPPED,
        /** Ended: its frame limit was written. */
        COUNT_REACHED,
        /** Ended: the next frame would have taken the file past its byte limit. */
        SIZE_REACHED,
        /** Ended: its Nic went away. */
        NIC_REMOVED,
        /** Ended: writing the file failed ({@link CaptureInfo#failure()}). */
        FAILED;

        /** Whether the capture still runs or writes (no other capture may start on its Nic). */
        public boolean active() {
            return this == RUNNING || this == STOPPING;
        }
    }

    public CaptureInfo {
        Objects.requireNonNull(nic, "nic");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(failure, "failure");
    }
}
