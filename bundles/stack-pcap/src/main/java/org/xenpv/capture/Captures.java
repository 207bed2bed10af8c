package org.xenpv.capture;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Captures of Nic frames to pcapng files, at most one running per Nic.
 *
 * <p>A capture runs until {@link #stop}, until one of its limits is reached,
 * until its Nic goes away, or until this service goes away; in every case its
 * file is left complete (no partial block) and closed. Frames that arrive while
 * the capture's buffer is full are dropped from the capture and counted
 * ({@link CaptureInfo#framesDropped()}); the Nic is never slowed down for them.
 */
@ProviderType
public interface Captures {
    /** A limit of {@code 0}: none. */
    long NO_LIMIT = 0;

    /**
     * Starts capturing a Nic's frames to {@code file}, which is created or
     * truncated. A relative path is resolved against the Karaf base directory
     * (the {@code karaf.base} system property; the working directory without it).
     *
     * @param nic the Nic's name ({@code nic.device}), for example "vif-0"
     * @param maxFrames stop after this many frames are written; {@link #NO_LIMIT} for none
     * @param maxBytes stop before the file would grow past this many bytes; {@link #NO_LIMIT} for none
     * @return the capture, running
     * @throws IllegalArgumentException when there is no such Nic, or a limit is negative or too small
     * @throws IllegalStateException when a capture is already running on the Nic or writing the file
     * @throws IOException when the file cannot be created; the message names it
     */
    CaptureInfo start(String nic, Path file, long maxFrames, long maxBytes) throws IOException;

    /**
     * Stops the Nic's capture: it sees no frame after this returns, writes out
     * the frames it had accepted and closes its file (waiting a few seconds for
     * a slow disk). Stopping a capture that has ended returns how it ended.
     *
     * @return the capture as it ended ({@link CaptureInfo.State#STOPPING} if its file is still being written)
     * @throws IllegalArgumentException when the Nic has no capture
     */
    CaptureInfo stop(String nic);

    /** Every Nic's latest capture, running or ended, by Nic name. */
    List<CaptureInfo> list();

    /** The names of the Nics that can be captured, sorted. */
    List<String> nics();
}
