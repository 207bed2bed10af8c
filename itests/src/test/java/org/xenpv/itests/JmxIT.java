package org.xenpv.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * xenpv's MBeans as an operator's JMX client sees them: over the distribution's own RMI connector, logged in
 * through Karaf's JAAS realm, with Karaf's JMX ACL deciding who may do what.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class JmxIT extends XenpvTestSupport {
    private static final ObjectName VIF_0 = name("org.xenpv:type=Nic,name=vif-0");
    private static final String ADMIN_PASSWORD = "JmxIT-admin";

    @Configuration
    public Option[] config() {
        // Pax Exam gives the container's JMX connector (etc/org.apache.karaf.management.cfg) free RMI ports of
        // its own; the test asks the connector for its address rather than assuming 1099 and 44444.
        List<Option> options = new ArrayList<>(Arrays.asList(xenpvDistribution()));
        // The distribution ships no user: this test provisions its own, the admin karaf and a monitoring user with the
        // viewer role only.
        options.add(editConfigurationFilePut("etc/users.properties", "karaf", ADMIN_PASSWORD + ",_g_:admingroup"));
        options.add(editConfigurationFilePut("etc/users.properties", "watcher", "watcher,viewer"));
        return options.toArray(Option[]::new);
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static void awaitRegistered(MBeanServerConnection jmx, ObjectName name) throws Exception {
        waitFor(name + " registered", () -> {
            try {
                return jmx.isRegistered(name) && "ACTIVE".equals(jmx.getAttribute(name, "State"));
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    public void anAdminReadsEveryXenpvMBeanAndTakesANicDownAndUp() throws Exception {
        try (JMXConnector connector = connectJmx("karaf", ADMIN_PASSWORD)) {
            MBeanServerConnection jmx = connector.getMBeanServerConnection();
            awaitRegistered(jmx, VIF_0);
            assertTrue(jmx.isRegistered(name("org.xenpv:type=Nic,name=vif-1")));
            assertEquals("UP", jmx.getAttribute(VIF_0, "LinkState"));
            assertTrue(Arrays.asList((String[]) jmx.getAttribute(VIF_0, "Features")).contains("rx-copy"));
            assertEquals("", jmx.getAttribute(VIF_0, "BrokenReason"));
            int queues = (Integer) jmx.getAttribute(VIF_0, "QueueCount");
            assertEquals(queues, ((CompositeData[]) jmx.getAttribute(VIF_0, "Queues")).length);
            assertTrue(((CompositeData) jmx.getAttribute(VIF_0, "Total")).containsKey("rxPackets"));

            ObjectName grants = name("org.xenpv:type=GrantTable");
            ObjectName events = name("org.xenpv:type=EventChannels");
            ObjectName store = name("org.xenpv:type=XenStore");
            assertTrue("grants held by two connected vifs",
                    (Integer) jmx.getAttribute(grants, "GrantsOutstanding") > 0);
            assertTrue(jmx.getAttribute(grants, "RevocationsDeferred") instanceof Long);
            assertTrue("ports open for two connected vifs", (Integer) jmx.getAttribute(events, "PortsOpen") > 0);
            assertTrue(jmx.getAttribute(events, "EventsDispatched") instanceof Long);
            assertEquals(Boolean.TRUE, jmx.getAttribute(store, "Open"));
            assertTrue((Long) jmx.getAttribute(store, "RequestsSent") > 0);

            jmx.invoke(VIF_0, "down", null, null);
            assertEquals("STOPPED", jmx.getAttribute(VIF_0, "State"));
            jmx.invoke(VIF_0, "up", null, null);
            assertEquals("ACTIVE", jmx.getAttribute(VIF_0, "State"));
        }
    }

    @Test
    public void aViewerReadsButMayNotTakeANicDown() throws Exception {
        try (JMXConnector connector = connectJmx("watcher", "watcher")) {
            MBeanServerConnection jmx = connector.getMBeanServerConnection();
            awaitRegistered(jmx, VIF_0);
            assertTrue((Integer) jmx.getAttribute(name("org.xenpv:type=GrantTable"), "GrantsOutstanding") > 0);
            for (String operation : List.of("down", "up")) {
                try {
                    jmx.invoke(VIF_0, operation, null, null);
                    fail("a viewer invoked " + operation);
                } catch (SecurityException expected) {
                    // Karaf's JMX guard: the ACL leaves the operation to the admin role
                }
            }
            assertEquals("ACTIVE", jmx.getAttribute(VIF_0, "State"));
        }
    }
}
