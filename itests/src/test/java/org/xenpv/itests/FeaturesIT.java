package org.xenpv.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.InvalidSyntaxException;

/** Each xenpv feature installs into a stock Karaf, starts its bundles, and uninstalls without a trace. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FeaturesIT extends XenpvTestSupport {

    @Configuration
    public Option[] config() {
        return stockKaraf();
    }

    @Test
    public void simulatorFeatureInstallsAndUninstallsCleanly() throws Exception {
        Path socket = Path.of(System.getProperty("karaf.data"), "xenpv", "xenstored.socket");
        assertInstallsAndUninstalls("xenpv-sim", List.of("org.xenpv.abi", "org.xenpv.platform",
                "org.xenpv.gnttab", "org.xenpv.evtchn", "org.xenpv.xenbus", "org.xenpv.sim",
                // with the shell present, the console commands come along
                "org.xenpv.commands"), () -> {
                    waitFor("the XenStore service over the simulator", () -> serviceExists(
                            "org.xenpv.xenstore.XenStore"));
                    assertTrue("the simulated XenStore listens on " + socket, Files.exists(socket));
                });
        assertFalse("the XenStore socket is removed with the simulator", Files.exists(socket));
    }

    @Test
    public void linuxProviderFeatureInstallsAndUninstallsCleanly() throws Exception {
        assertInstallsAndUninstalls("xenpv-platform-linux", List.of("org.xenpv.abi", "org.xenpv.platform",
                "org.xenpv.platform.linux", "org.xenpv.commands"), () -> {
                    // This machine has no /dev/xen: the probe runs, finds nothing, and the provider stays disabled.
                    assertNull("a Linux provider is registered without /dev/xen", bundleContext.getAllServiceReferences(
                            "org.xenpv.platform.spi.DevicePortProvider", "(xenpv.provider=linux)"));
                    // The commands came with the shell; without an active provider they say what is missing.
                    String error = "";
                    try {
                        executeCommand("xenstore:read name");
                    } catch (Exception e) {
                        error = String.valueOf(e.getMessage());
                    }
                    assertTrue(error, error.contains("no XenStore service") && error.contains("xenpv-sim"));
                    waitFor("the probe's log line saying why the Linux provider is inactive", () -> {
                        try {
                            return executeCommand("log:display").contains(
                                    "xenpv Linux provider inactive: not a Xen guest");
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                });
    }

    @Test
    public void netfrontWithTheSimulatorPublishesTwoNicsAndRemovesThem() throws Exception {
        featuresService.installFeature("xenpv-sim", EnumSet.of(FeaturesService.Option.NoAutoRefreshBundles));
        try {
            assertInstallsAndUninstalls("xenpv-netfront", List.of("org.xenpv.netfront"), () ->
                    waitFor("two Nic services", () -> serviceCount("org.xenpv.net.Nic") == 2));
            assertEquals("no Nic is left", 0, serviceCount("org.xenpv.net.Nic"));
            waitFor("no grant or event channel left by netfront", () -> {
                try {
                    String info = executeCommand("xen:info --no-format");
                    return info.matches("(?s).*Grants outstanding\\s+0\\b.*")
                            && info.matches("(?s).*Event channels open\\s+0\\b.*");
                } catch (Exception e) {
                    return false;
                }
            });
        } finally {
            featuresService.uninstallFeature("xenpv-sim");
        }
    }

    private int serviceCount(String objectClass) {
        try {
            Object[] references = bundleContext.getAllServiceReferences(objectClass, null);
            return references == null ? 0 : references.length;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    public void nicApiFeatureInstallsAndUninstallsCleanly() throws Exception {
        assertInstallsAndUninstalls("xenpv-net-api", List.of("org.xenpv.net"));
    }

    /** Live threads that xenpv's bundles started (they are all named xenpv-...). */
    private static List<String> xenpvThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("xenpv-")).sorted().toList();
    }

    private boolean serviceExists(String objectClass) {
        try {
            // getAllServiceReferences: no class-space check, so the probe does not wire to the package (and is not refreshed with it)
            return bundleContext.getAllServiceReferences(objectClass, null) != null;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A check to make while a feature is installed. */
    private interface WhileInstalled {
        void check() throws Exception;
    }

    private void assertInstallsAndUninstalls(String feature, List<String> bundles) throws Exception {
        assertInstallsAndUninstalls(feature, bundles, () -> { });
    }

    private void assertInstallsAndUninstalls(String feature, List<String> bundles, WhileInstalled whileInstalled)
            throws Exception {
        for (String name : bundles) {
            assertNull(name + " is installed before " + feature, bundle(name));
        }
        featuresService.installFeature(feature, EnumSet.of(FeaturesService.Option.NoAutoRefreshBundles));
        assertTrue(feature + " is not installed", featuresService.isInstalled(featuresService.getFeature(feature)));
        for (String name : bundles) {
            Bundle bundle = bundle(name);
            assertNotNull(name + " was not installed by " + feature, bundle);
            assertEquals(name + " is not active", Bundle.ACTIVE, bundle.getState());
        }
        assertTrue(executeCommand("feature:list -i").contains(feature));
        whileInstalled.check();

        featuresService.uninstallFeature(feature);
        assertFalse(feature + " is still installed", featuresService.isInstalled(featuresService.getFeature(feature)));
        for (String name : bundles) {
            assertNull(name + " is left behind after uninstalling " + feature, bundle(name));
        }
        // The netfront feature leaves the simulator's threads to the simulator, still installed.
        String ours = feature.equals("xenpv-netfront") ? "xenpv-netfront-" : "xenpv-";
        waitFor("no " + ours + "* thread left after uninstalling " + feature + " " + xenpvThreads(),
                () -> xenpvThreads().stream().noneMatch(name -> name.startsWith(ours)));
    }
}
