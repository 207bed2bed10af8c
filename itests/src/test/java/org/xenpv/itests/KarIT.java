package org.xenpv.itests;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import org.osgi.framework.ServiceReference;

/**
 * xenpv's KAR dropped into the deploy/ folder of a stock Karaf that cannot
 * reach any Maven repository installs the simulator and netfront, and the
 * simulator's two vifs come up as Nic services.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KarIT extends XenpvTestSupport {

    private static final String MAVEN_PID = "org.ops4j.pax.url.mvn";
    /** The resolver is replaced on a configuration change: slower than other waits on a loaded machine. */
    private static final long OFFLINE_WAIT_MILLIS = 120_000;
    /** The KAR installs Declarative Services and a dozen bundles before the handshakes: give it time. */
    private static final long DEPLOY_MILLIS = 120_000;

    @Configuration
    public Option[] config() {
        return stockKarafWithoutXenpv();
    }

    @Test
    public void karInDeployInstallsSimulatorAndNetfrontOffline() throws Exception {
        assertNull("xenpv is installed before the KAR", bundle("org.xenpv.sim"));
        goOffline();

        Path kar = Path.of(System.getProperty("xenpv.kar"));
        assertTrue("the build made no KAR at " + kar, Files.isRegularFile(kar));
        // Copied beside deploy/ and moved in, so that the deployer never sees half a file.
        Path staged = Path.of(System.getProperty("karaf.data"), kar.getFileName().toString());
        Files.copy(kar, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, Path.of(System.getProperty("karaf.base"), "deploy", kar.getFileName().toString()),
                StandardCopyOption.ATOMIC_MOVE);

        for (String vif : List.of("vif-0", "vif-1")) {
            waitFor("the Nic " + vif + " from the KAR", DEPLOY_MILLIS, () -> nicExists(vif));
        }
        FeaturesService features = currentFeaturesService();
        for (String feature : List.of("xenpv-sim", "xenpv-netfront", "xenpv-commands")) {
            assertTrue(feature + " was not installed by the KAR", features.isInstalled(features.getFeature(feature)));
        }
        // Only the features not marked install="manual" are installed by a deploy: not the Linux
        // provider, not the stacks, not capture.
        for (String feature : List.of("xenpv-platform-linux", "xenpv-stack-echo", "xenpv-stack-ping",
                "xenpv-stack-tap", "xenpv-capture", "xenpv-stack-lwip", "xenpv-http", "xenpv-local-user")) {
            assertFalse(feature + " was installed by the KAR", features.isInstalled(features.getFeature(feature)));
        }
        assertNull("the Linux provider was installed by the KAR", bundle("org.xenpv.platform.linux"));
        String kars = executeCommand("kar:list");
        assertTrue(kars, kars.contains(kar.getFileName().toString().replace(".kar", "")));
    }

    /**
     * No remote repository, and a local repository that holds only this
     * test's own harness: only Karaf's system/ folder, what KARs bring, and
     * Pax Exam's bundles remain, as on a machine without network. (The
     * container starts online because Pax Exam's bundles come from Maven; a
     * feature operation downloads every installed bundle again, so they stay
     * resolvable.)
     */
    private void goOffline() throws Exception {
        Path localRepository = Files.createDirectories(
                Path.of(System.getProperty("karaf.data"), "offline-local-repository"));
        keepHarnessBundles(localRepository);
        // One update of the configuration, so that pax-url replaces its resolver once rather than three times in
        // a row (the wait below once timed out that way, on a machine loaded by a debootstrap beside the build).
        executeCommand("config:edit " + MAVEN_PID + "\n"
                + "config:property-set " + MAVEN_PID + ".offline true\n"
                + "config:property-set " + MAVEN_PID + ".repositories \"\"\n"
                + "config:property-set " + MAVEN_PID + ".localRepository " + localRepository + "\n"
                + "config:update");
        // Neither xenpv nor Declarative Services (not in a stock Karaf's system/) can be had now.
        for (String url : List.of("mvn:org.xenpv/xenpv-features/" + projectVersion() + "/xml/features",
                "mvn:org.apache.felix/org.apache.felix.scr/2.2.6")) {
            waitFor(url + " unresolvable once Maven is offline", OFFLINE_WAIT_MILLIS, () -> !resolvable(url));
        }
    }

    /** Copies each installed mvn: bundle that Karaf's system/ lacks (Pax Exam's) into {@code repository}. */
    private void keepHarnessBundles(Path repository) throws IOException {
        Path system = Path.of(System.getProperty("karaf.home"), "system");
        for (Bundle bundle : bundleContext.getBundles()) {
            String location = bundle.getLocation();
            if (!location.startsWith("mvn:")) {
                continue;
            }
            assertFalse("xenpv is installed before the KAR: " + location, location.startsWith("mvn:org.xenpv/"));
            String path = mavenPath(location);
            if (!Files.exists(system.resolve(path))) {
                Path target = repository.resolve(path);
                Files.createDirectories(target.getParent());
                try (InputStream in = new URL(location).openStream()) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** mvn:group/artifact/version[/type[/classifier]] as a path in a Maven repository. */
    private static String mavenPath(String location) {
        String[] parts = location.substring("mvn:".length()).split("/");
        String artifact = parts[1];
        String version = parts[2];
        String type = parts.length > 3 && !parts[3].isEmpty() ? parts[3] : "jar";
        String classifier = parts.length > 4 ? "-" + parts[4] : "";
        return parts[0].replace('.', '/') + "/" + artifact + "/" + version + "/"
                + artifact + "-" + version + classifier + "." + type;
    }

    private static boolean resolvable(String url) {
        try (InputStream in = new URL(url).openStream()) {
            return true;
        } catch (IOException e) {
            return false;
        } catch (IllegalStateException resolverRestarting) {
            // pax-url replaces its resolver on each configuration change ("repository system is already
            // shut down"); whether the URL resolves is known only once the new one answers
            return true;
        }
    }

    private boolean nicExists(String device) {
        try {
            // getAllServiceReferences: no class-space check, so this probe needs no Nic API to look
            return bundleContext.getAllServiceReferences("org.xenpv.net.Nic", "(nic.device=" + device + ")") != null;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The features service now: the one injected at start is replaced when the Maven configuration changes. */
    private FeaturesService currentFeaturesService() {
        ServiceReference<FeaturesService> reference = bundleContext.getServiceReference(FeaturesService.class);
        return bundleContext.getService(reference);
    }
}
