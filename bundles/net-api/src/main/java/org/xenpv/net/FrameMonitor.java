package org.xenpv.net;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Sees every frame a Nic sends and receives, beside its stack: for capture and
 * diagnostics. Called on the thread that moves the frame (a sender's, or a
 * receive queue's), possibly from several threads at once; it must not block
 * and must not keep the buffer: copy what it needs, or drop and count.
 */
@ConsumerType
@FunctionalInterface
public interface FrameMonitor {
    /** Which way a frame crossed the Nic. */
    enum Direction {
        /** From the link to the stack. */
        INBOUND,
        /** From the stack to the link. */
        OUTBOUND
    }

    /**
     * @param frame the Ethernet frame, position to limit; read it with absolute gets, do not move it
     * @param offload the frame's checksum and segmentation state
     */
    void frame(Direction direction, int queue, ByteBuffer frame, Offload offload);
}
