package org.xenpv.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import java.util.List;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/** The xenpv Karaf distribution, as built, boots with every xenpv bundle active. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DistributionIT extends XenpvTestSupport {

    @Configuration
    public Option[] config() {
        return xenpvDistribution();
    }

    @Test
    public void bootsWithEveryXenpvBundleActive() throws Exception {
        for (String name : List.of("org.xenpv.abi", "org.xenpv.platform", "org.xenpv.platform.linux",
                "org.xenpv.gnttab", "org.xenpv.evtchn", "org.xenpv.xenbus", "org.xenpv.sim", "org.xenpv.net",
                "org.xenpv.netfront")) {
            Bundle bundle = bundle(name);
            assertNotNull(name + " is not in the distribution", bundle);
            assertEquals(name + " is not active", Bundle.ACTIVE, bundle.getState());
        }
    }

    @Test
    public void theSimulatedGuestsTwoVifsAreConnectedNics() throws Exception {
        waitFor("two Nic services (vif-0 and vif-1)", () -> nicCount() == 2);
        ServiceReference<?>[] nics = bundleContext.getAllServiceReferences("org.xenpv.net.Nic", null);
        java.util.Set<Object> names = new java.util.TreeSet<>();
        for (ServiceReference<?> nic : nics) {
            names.add(nic.getProperty("nic.device"));
        }
        assertEquals("[vif-0, vif-1]", names.toString());
    }

    private int nicCount() {
        try {
            ServiceReference<?>[] nics = bundleContext.getAllServiceReferences("org.xenpv.net.Nic", null);
            return nics == null ? 0 : nics.length;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
