package org.xenpv.netfront.internal;

import java.util.List;
import java.util.Map;

/**
 * A vif's Nic as JMX shows it, under {@code org.xenpv:type=Nic,name=vif-N}. Reading is for Karaf's viewer
 * role; {@link #up} and {@link #down} are operations that Karaf's JMX ACL leaves to the admin role.
 */
public interface NicManagementMXBean {
    String getName();

    /** ACTIVE, STOPPED or DOWN. */
    String getState();

    /** UP or DOWN. */
    String getLinkState();

    String getMacAddress();

    int getMtu();

    int getQueueCount();

    /** What frontend and backend agreed on, by XenStore name (sg, gso-tcpv4, multi-queue, ...). */
    List<String> getFeatures();

    /** Why the backend's behaviour took the device down; empty while it is not broken. */
    String getBrokenReason();

    /** Every queue's counters, queue 0 first. */
    List<QueueCountersView> getQueues();

    /** The sums over all queues. */
    QueueCountersView getTotal();

    /** What crossed beyond the plain counts (GSO, multi-slot, blank checksums, receiver failures). */
    Map<String, Long> getDriverStatistics();

    /** Starts the Nic's queues again after {@link #down}. */
    void up();

    /** Stops the Nic's queues; the connection to the backend stays. */
    void down();
}
