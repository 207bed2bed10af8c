package org.xenpv.net;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Gets received frames. Frames of one queue arrive in order, one call at a
 * time, on that queue's thread; different queues may call concurrently.
 */
@ConsumerType
@FunctionalInterface
public interface FrameReceiver {
    /**
     * @param queue the receive queue, 0 to {@link Nic#queueCount()} - 1
     * @param frame the Ethernet frame, position to limit; owned by the Nic and valid only during this call
     * @param offload the checksum and segmentation state the device reported
     */
    void receive(int queue, ByteBuffer frame, Offload offload);
}
