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
                "org.xenpv.gnttab", "org.xenpv.evtchn", "org.xenpv.xenbus", "org.xenpv.sim", "org.xenpv.net")) {
            Bundle bundle = bundle(name);
            assertNotNull(name + " is not in the distribution", bundle);
            assertEquals(name + " is not active", Bundle.ACTIVE, bundle.getState());
        }
    }
}
