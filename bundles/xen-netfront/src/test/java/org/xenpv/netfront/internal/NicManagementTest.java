package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.Offload;
import org.xenpv.sim.netback.NetbackFeatures;

/** A Nic's MXBean read and driven through an MBean server, as a JMX client sees it: open types only. */
class NicManagementTest {
    private SimWorld world;
    /** An MBean server of this test's own, not the platform's: nothing stays registered after it. */
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();

    @AfterEach
    void cleanUp() throws Exception {
        if (world != null) {
            world.close();
            world.assertClean();
        }
    }

    @Test
    void attributesAndCountersAreOpenDataAndUpDownDriveTheNic() throws Exception {
        world = new SimWorld();
        Nic[] nics = world.connectedPair(NetbackFeatures.LINUX, new NetfrontConfig(2, 256, 256, 5_000));
        ObjectName name = new ObjectName(NicManagement.objectName("vif-0"));
        assertEquals("org.xenpv:type=Nic,name=vif-0", name.toString());
        // As the JMX whiteboard registers a service that implements an MXBean interface.
        // Aries JMX whiteboard (Karaf's management feature) registers a service as an MXBean only when it
        // implements <its class name>MXBean; the object itself goes to the MBean server, as here.
        assertEquals(NicManagement.class.getName() + "MXBean",
                NicManagementMXBean.class.getName());
        server.registerMBean(new NicManagement(nics[0]), name);

        for (int i = 0; i < 3; i++) {
            assertTrue(nics[0].send(NetfrontExchangeTest.frame(nics[1].macAddress(), nics[0].macAddress(), 100),
                    Offload.NONE));
        }
        SimWorld.waitFor("three frames counted", () -> nics[0].statistics().total().txPackets() == 3);

        assertEquals("vif-0", server.getAttribute(name, "Name"));
        assertEquals("ACTIVE", server.getAttribute(name, "State"));
        assertEquals("UP", server.getAttribute(name, "LinkState"));
        assertEquals(nics[0].macAddress().toString(), server.getAttribute(name, "MacAddress"));
        assertEquals(2, server.getAttribute(name, "QueueCount"));
        assertEquals("", server.getAttribute(name, "BrokenReason"));
        assertArrayEquals(nics[0].info().features().toArray(String[]::new),
                (String[]) server.getAttribute(name, "Features"));
        CompositeData total = (CompositeData) server.getAttribute(name, "Total");
        assertEquals(3L, total.get("txPackets"));
        assertEquals(300L, total.get("txBytes"));
        CompositeData[] queues = (CompositeData[]) server.getAttribute(name, "Queues");
        assertEquals(2, queues.length);
        assertEquals(3L, (Long) queues[0].get("txPackets") + (Long) queues[1].get("txPackets"));
        TabularData driver = (TabularData) server.getAttribute(name, "DriverStatistics");
        assertEquals(0L, driver.get(new Object[] {"rx_receiver_failures"}).get("value"));

        server.invoke(name, "down", null, null);
        assertEquals(NicState.STOPPED, nics[0].state());
        assertEquals("STOPPED", server.getAttribute(name, "State"));
        server.invoke(name, "up", null, null);
        assertEquals(NicState.ACTIVE, nics[0].state());
        ByteBuffer frame = NetfrontExchangeTest.frame(nics[1].macAddress(), nics[0].macAddress(), 100);
        assertTrue(nics[0].send(frame, Offload.NONE), "frames flow again after up");
    }
}
