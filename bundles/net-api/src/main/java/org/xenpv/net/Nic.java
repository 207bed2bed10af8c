package org.xenpv.net;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A network card, as a network stack uses it (the counterpart of HelenOS's
 * nic_iface). Registered as a service while its device is usable; see the
 * package documentation for who owns which buffer.
 *
 * <p>What a device cannot do fails with {@link UnsupportedNicOperationException},
 * never silently.
 */
@ProviderType
public interface Nic {
    /** Service property: the device's name, for example "vif-0". */
    String PROPERTY_DEVICE = "nic.device";
    /** Service property: the MAC address as text. */
    String PROPERTY_MAC = "nic.mac";
    /** Service property: the backend's domain id (Integer). */
    String PROPERTY_BACKEND_DOMID = "nic.backend.domid";

    /** Smallest frame accepted: an Ethernet header. */
    int MIN_FRAME_BYTES = 14;

    String name();

    MacAddress macAddress();

    /** The MTU: the largest payload of a frame without GSO, header excluded. */
    int mtu();

    NicState state();

    LinkState linkState();

    int queueCount();

    NicCapabilities capabilities();

    NicInfo info();

    NicStatistics statistics();

    /**
     * The driver's own counters beside {@link #statistics()}, by name (as
     * {@code ethtool -S} shows a Linux driver's): for example how many
     * segmentation super-frames or multi-slot frames crossed. Totals since
     * the Nic was created; names are the driver's.
     *
     * @since 1.1
     */
    default java.util.Map<String, Long> driverStatistics() {
        return java.util.Map.of();
    }

    /** Starts sending and receiving (from STOPPED); no effect when ACTIVE. */
    void up();

    /** Stops: frames are no longer sent or delivered, and the link goes down. */
    void down();

    void addStateListener(NicStateListener listener);

    void removeStateListener(NicStateListener listener);

    /**
     * Sets the one receiver of this Nic's frames.
     *
     * @throws IllegalStateException when another receiver is set: a Nic feeds one stack
     */
    void setReceiver(FrameReceiver receiver);

    /** Removes {@code receiver} when it is the one set; frames then are counted as dropped. */
    void clearReceiver(FrameReceiver receiver);

    /**
     * Sends one frame, from position to limit, on the queue its flow hashes to.
     * The bytes are copied before this returns.
     *
     * @return true when queued for transmission; false when the Nic is not ACTIVE
     *     or its queue is full: the frame is then counted as dropped
     * @throws IllegalArgumentException when the frame is shorter than an Ethernet header or longer
     *     than {@link NicCapabilities#maxFrameBytes()}
     * @throws UnsupportedNicOperationException when {@code offload} asks for what was not negotiated
     */
    boolean send(ByteBuffer frame, Offload offload);

    /**
     * Sends frames, notifying the backend once for the batch.
     *
     * @return how many were queued; the rest were counted as dropped
     */
    int sendBatch(List<ByteBuffer> frames, Offload offload);

    /**
     * Lets {@code monitor} see every frame this Nic sends (once queued) and
     * receives (before its receiver), until {@link #removeMonitor}. A Nic
     * without monitors pays nothing for the feature.
     *
     * @throws UnsupportedNicOperationException when the device cannot show its frames
     * @since 1.1
     */
    default void addMonitor(FrameMonitor monitor) {
        throw new UnsupportedNicOperationException(name(), "monitoring frames", "the driver does not offer it");
    }

    /** Stops showing frames to {@code monitor}; no effect when it was not added. @since 1.1 */
    default void removeMonitor(FrameMonitor monitor) {
    }

    /**
     * Queues one frame like {@link #send}, for a stack that would rather wait
     * than drop: a full queue is back-pressure ({@link SendStatus#FULL}, the
     * frame neither taken nor counted), and the backend may be told later.
     *
     * @param more another frame follows at once: the device may defer telling the backend until a
     *     frame offered without {@code more}, or {@link #flush()}; a caller that offers with
     *     {@code more} must end with one of those
     * @throws IllegalArgumentException as {@link #send} does
     * @throws UnsupportedNicOperationException as {@link #send} does
     * @since 1.1
     */
    default SendStatus offer(ByteBuffer frame, Offload offload, boolean more) {
        return send(frame, offload) ? SendStatus.QUEUED : SendStatus.DROPPED;
    }

    /** Tells the backend of every frame queued with {@code more}; no effect when there are none. @since 1.1 */
    default void flush() {
    }

    /** Receives frames for the Nic's own address (always on). */
    default boolean receivesUnicast() {
        return true;
    }

    /** Receives broadcast frames (always on). */
    default boolean receivesBroadcast() {
        return true;
    }

    // --- what a device may not support (HelenOS nic_iface operations) ---

    /** Changes the MAC address. */
    void setMacAddress(MacAddress address);

    /** Receives the multicast groups listed (empty: none). */
    void setMulticastFilter(Set<MacAddress> groups);

    /** Receives every frame on the link. */
    void setPromiscuous(boolean promiscuous);

    /** Drops frames from these sources. */
    void setBlockedSources(Set<MacAddress> sources);

    /** Receives only these VLANs (empty: all). */
    void setVlanFilter(Set<Integer> vlans);

    /** Arms wake-on-LAN. */
    void setWakeOnLan(boolean enabled);

    /** Delivers frames with a bad checksum or length instead of dropping them (HelenOS: defective frames). */
    void setReceiveDefective(boolean enabled);
}
