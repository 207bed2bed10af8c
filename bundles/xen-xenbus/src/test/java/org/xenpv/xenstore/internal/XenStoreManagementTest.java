package org.xenpv.xenstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.xenpv.sim.xenstore.GuestXenbusChannel;
import org.xenpv.sim.xenstore.XenStoreServer;
import org.xenpv.xenstore.Watch;

/** The XenStore connection's MXBean against the simulator's XenStore server. */
class XenStoreManagementTest {

    @Test
    void showsTheConnectionItsRequestsAndWatchesAndWhenItFails() throws Exception {
        XenStoreServer server = new XenStoreServer();
        server.write("/local/domain/1", "", "n1");
        XsClientConnection connection = new XsClientConnection(new GuestXenbusChannel(server, 1), "guest 1", 10_000);
        MBeanServer mbeans = MBeanServerFactory.newMBeanServer();
        ObjectName name = new ObjectName("org.xenpv:type=XenStore");
        // Aries JMX whiteboard (Karaf's management feature) registers a service as an MXBean only when it
        // implements <its class name>MXBean; the object itself goes to the MBean server, as here.
        assertEquals(XenStoreManagement.class.getName() + "MXBean",
                XenStoreManagementMXBean.class.getName());
        mbeans.registerMBean(new XenStoreManagement(connection), name);
        XenStoreClient store = new XenStoreClient(connection);

        assertEquals("guest 1", mbeans.getAttribute(name, "Connection"));
        assertEquals(true, mbeans.getAttribute(name, "Open"));
        assertEquals("", mbeans.getAttribute(name, "Failure"));
        long before = (Long) mbeans.getAttribute(name, "RequestsSent");
        store.write("data/x", "1");
        store.read("data/x");
        assertEquals(before + 2, mbeans.getAttribute(name, "RequestsSent"));
        assertEquals(0, mbeans.getAttribute(name, "RequestsPending"));
        Watch watch = store.watch("data", path -> { });
        assertEquals(1, mbeans.getAttribute(name, "Watches"));
        watch.close();
        assertEquals(0, mbeans.getAttribute(name, "Watches"));

        connection.close();
        assertEquals(false, mbeans.getAttribute(name, "Open"));
        assertTrue(!((String) mbeans.getAttribute(name, "Failure")).isEmpty(), "the failure is named");
        server.closeAll();
        assertTrue(mbeans.isRegistered(name));
    }
}
