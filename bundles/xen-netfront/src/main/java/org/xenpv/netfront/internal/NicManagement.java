package org.xenpv.netfront.internal;

import java.util.List;
import java.util.Map;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.xenpv.net.Nic;

/**
 * A Nic's MXBean. Published as an OSGi service with a {@code jmx.objectname} property, which Karaf's JMX
 * whiteboard (Aries JMX, in the {@code management} feature) registers with its MBean server and
 * unregisters with the service.
 */
final class NicManagement implements NicManagementMXBean {
    /** The service property the JMX whiteboard registers MBeans by. */
    static final String OBJECT_NAME_PROPERTY = "jmx.objectname";

    private final Nic nic;

    NicManagement(Nic nic) {
        this.nic = nic;
    }

    /** {@code org.xenpv:type=Nic,name=<nic>}: type first, so Karaf's ACL PID is jmx.acl.org.xenpv.Nic. */
    static String objectName(String nicName) {
        String name = "org.xenpv:type=Nic,name=" + nicName;
        try {
            new ObjectName(name);
            return name;
        } catch (MalformedObjectNameException e) {
            return "org.xenpv:type=Nic,name=" + ObjectName.quote(nicName);
        }
    }

    @Override
    public String getName() {
        return nic.name();
    }

    @Override
    public String getState() {
        return nic.state().name();
    }

    @Override
    public String getLinkState() {
        return nic.linkState().name();
    }

    @Override
    public String getMacAddress() {
        return nic.macAddress().toString();
    }

    @Override
    public int getMtu() {
        return nic.mtu();
    }

    @Override
    public int getQueueCount() {
        return nic.queueCount();
    }

    @Override
    public List<String> getFeatures() {
        return List.copyOf(nic.info().features());
    }

    @Override
    public String getBrokenReason() {
        return nic.info().brokenReason().orElse("");
    }

    @Override
    public List<QueueCountersView> getQueues() {
        return nic.statistics().queues().stream().map(QueueCountersView::of).toList();
    }

    @Override
    public QueueCountersView getTotal() {
        return QueueCountersView.of(nic.statistics().total());
    }

    @Override
    public Map<String, Long> getDriverStatistics() {
        return nic.driverStatistics();
    }

    @Override
    public void up() {
        nic.up();
    }

    @Override
    public void down() {
        nic.down();
    }
}
