package org.xenpv.itests;

import static org.ops4j.pax.exam.CoreOptions.maven;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.replaceConfigurationFile;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;

import javax.inject.Inject;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import javax.security.auth.Subject;

import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.boot.principal.UserPrincipal;

import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.KarafDistributionConfigurationConsoleOption;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * What every xenpv container test shares: the container (stock Karaf or the
 * xenpv distribution), Maven resolution from the reactor's own artifacts, and
 * helpers to run console commands and wait for conditions.
 */
public abstract class XenpvTestSupport {

    static final String KARAF_VERSION = "4.4.10";
    static final String JNA_VERSION = System.getProperty("xenpv.jna.version", "5.19.1");
    static final long WAIT_MILLIS = TimeUnit.SECONDS.toMillis(30);

    @Inject
    protected BundleContext bundleContext;

    @Inject
    protected FeaturesService featuresService;

    @Inject
    protected SessionFactory sessionFactory;

    /** A stock Apache Karaf with the xenpv feature repository registered, nothing of ours installed. */
    protected static Option[] stockKaraf() {
        return withCommonOptions(stockKarafOptions(
                editConfigurationFilePut("etc/org.apache.karaf.features.cfg", "featuresRepositories",
                        "mvn:org.apache.karaf.features/standard/" + KARAF_VERSION + "/xml/features,"
                                + "mvn:org.xenpv/xenpv-features/" + projectVersion() + "/xml/features")));
    }

    /** A stock Apache Karaf that knows nothing of xenpv: its own feature repositories only. */
    protected static Option[] stockKarafWithoutXenpv() {
        return withCommonOptions(stockKarafOptions());
    }

    private static Option[] stockKarafOptions(Option... more) {
        // JNA among the startup bundles, as docs/karaf.md asks of an existing Karaf: jline imports it
        // optionally, and a jline resolved without it is refreshed, with the shell and all behind it (this
        // test's probe too), by the first feature operation after a feature brings JNA.
        String jna = "net/java/dev/jna/jna/" + JNA_VERSION + "/jna-" + JNA_VERSION + ".jar";
        List<Option> options = new ArrayList<>(List.of(karafDistributionConfiguration()
                .frameworkUrl(maven().groupId("org.apache.karaf").artifactId("apache-karaf")
                        .version(KARAF_VERSION).type("tar.gz"))
                .name("Apache Karaf").unpackDirectory(new File("target/exam")).useDeployFolder(false),
                replaceConfigurationFile("system/" + jna, new File(System.getProperty("xenpv.repository"), jna)),
                editConfigurationFilePut("etc/startup.properties", "mvn:net.java.dev.jna/jna/" + JNA_VERSION, "30")));
        options.addAll(Arrays.asList(more));
        return options.toArray(Option[]::new);
    }

    /** The xenpv Karaf distribution as the build produced it. */
    protected static Option[] xenpvDistribution() {
        return withCommonOptions(karafDistributionConfiguration()
                .frameworkUrl("file:" + new File(System.getProperty("xenpv.assembly")).getAbsolutePath())
                .name("xenpv").unpackDirectory(new File("target/exam")).useDeployFolder(false));
    }

    /**
     * The xenpv distribution with Karaf's ssh server running, on {@code sshPort}, as the distribution runs it outside
     * tests (the other containers leave it off).
     */
    protected static Option[] xenpvDistributionWithSsh(int sshPort) {
        List<Option> options = new ArrayList<>(Arrays.asList(xenpvDistribution()));
        options.removeIf(KarafDistributionConfigurationConsoleOption.class::isInstance);
        options.add(configureConsole().ignoreLocalConsole().startRemoteShell());
        options.add(editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(sshPort)));
        return options.toArray(Option[]::new);
    }

    /** A TCP port nothing listens on now. */
    protected static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Option[] withCommonOptions(Option... first) {
        String repository = new File(System.getProperty("xenpv.repository")).getAbsoluteFile().toURI().toString();
        List<Option> options = new ArrayList<>(Arrays.asList(first));
        options.addAll(List.of(
                keepRuntimeFolder(),
                configureConsole().ignoreLocalConsole().ignoreRemoteShell(),
                logLevel(LogLevel.INFO),
                // Resolve xenpv from the reactor and everything else from Maven Central only.
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.repositories",
                        repository + "@id=xenpv@snapshots,https://repo1.maven.org/maven2@id=central"),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.localRepository",
                        System.getProperty("org.ops4j.pax.url.mvn.localRepository", "")),
                systemProperty("xenpv.repository").value(System.getProperty("xenpv.repository")),
                systemProperty("xenpv.kar").value(System.getProperty("xenpv.kar", ""))));
        return options.toArray(Option[]::new);
    }

    /** The distribution with {@code feature} installed from the start (for a probe whose class refers to its API). */
    protected static Option[] xenpvDistributionWith(String feature) {
        List<Option> options = new ArrayList<>(List.of(xenpvDistribution()));
        options.add(org.ops4j.pax.exam.karaf.options.KarafDistributionOption.features(
                org.ops4j.pax.exam.CoreOptions.maven().groupId("org.xenpv").artifactId("xenpv-features")
                        .version(projectVersion()).classifier("features").type("xml"), feature));
        return options.toArray(Option[]::new);
    }

    /** Skips the calling test without Debian's liblwip0, or fails it in CI, which must run it. */
    protected static void requireLwip() {
        boolean lwip = java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib/x86_64-linux-gnu/liblwip.so.0"));
        if (!lwip && "true".equals(System.getenv("CI"))) {
            org.junit.Assert.fail("Debian's liblwip0 is missing, and CI must run this test");
        }
        org.junit.Assume.assumeTrue("skipped: Debian's liblwip0 is not installed (apt-get install liblwip0)", lwip);
    }

    /** One in-JVM stack configuration per vif: vif-i gets addresses[i]/24. */
    protected void configureLwipStacks(String alias, String... addresses) throws Exception {
        for (int i = 0; i < addresses.length; i++) {
            executeCommand("config:edit --factory --alias " + alias + i + " org.xenpv.stack.lwip\n"
                    + "config:property-set nic.target \"(nic.device=vif-" + i + ")\"\n"
                    + "config:property-set address " + addresses[i] + "/24\n"
                    + "config:update");
        }
    }

    static String projectVersion() {
        return System.getProperty("xenpv.version", "0.1.0-SNAPSHOT");
    }

    /**
     * Runs a console command as the console would, as the local admin user
     * (commands such as bundle:update are hidden from a session without roles),
     * and returns what it printed.
     */
    protected String executeCommand(String command) throws Exception {
        return executeCommandAs(subject("karaf", "admin", "manager", "viewer", "systembundles"), command);
    }

    /** A logged-in user as Karaf's JAAS realm makes it: the user and one principal per role. */
    protected static Subject subject(String user, String... roles) {
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(user));
        for (String role : roles) {
            subject.getPrincipals().add(new RolePrincipal(role));
        }
        return subject;
    }

    /**
     * Runs a console command in a session of the given subject, as an ssh login of that user would (Karaf's
     * command ACLs look at the subject's roles), and returns what it printed.
     */
    protected String executeCommandAs(Subject user, String command) throws Exception {
        try {
            return Subject.doAs(user, (PrivilegedExceptionAction<String>) () -> {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
                        Session session = sessionFactory.create(System.in, out, out)) {
                    Object result = session.execute(command);
                    if (result != null) {
                        out.println(result);
                    }
                }
                return bytes.toString(StandardCharsets.UTF_8);
            });
        } catch (PrivilegedActionException e) {
            throw e.getException();
        }
    }

    /** The address of Karaf's RMI connector, as the connector itself reports it once it runs. */
    protected JMXServiceURL connectorAddress() throws Exception {
        MBeanServer local = bundleContext.getService(bundleContext.getServiceReference(MBeanServer.class));
        ObjectName connector = new ObjectName("connector:name=rmi");
        waitFor("Karaf's JMX connector started", () -> local.isRegistered(connector));
        return (JMXServiceURL) local.getAttribute(connector, "Address");
    }

    /**
     * Connects to Karaf's RMI connector as an operator's JMX client would, logging in through Karaf's JAAS realm;
     * waits for the connector to listen, and throws the connector's SecurityException for a refused login.
     */
    protected JMXConnector connectJmx(String user, String password) throws Exception {
        JMXServiceURL address = connectorAddress();
        Map<String, ?> credentials = Map.of(JMXConnector.CREDENTIALS, new String[] {user, password});
        AtomicReference<JMXConnector> connected = new AtomicReference<>();
        waitFor("a JMX connection to " + address, () -> {
            try {
                connected.set(JMXConnectorFactory.connect(address, credentials));
                return true;
            } catch (IOException notListeningYet) {
                return false;
            }
        });
        return connected.get();
    }

    protected Bundle bundle(String symbolicName) {
        for (Bundle bundle : bundleContext.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        return null;
    }

    /** Waits up to {@link #WAIT_MILLIS} for the condition, failing with {@code what} otherwise. */
    protected static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        waitFor(what, WAIT_MILLIS, condition);
    }

    /** Waits up to {@code millis} for the condition, failing with {@code what} otherwise. */
    protected static void waitFor(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        waitFor(what, millis, condition, () -> "");
    }

    /**
     * Waits up to {@code millis} for the condition, failing with {@code what} and what {@code seen} says then
     * (the state that did not come, described when the wait ends rather than when it begins).
     */
    protected static void waitFor(String what, long millis, BooleanSupplier condition,
            java.util.function.Supplier<String> seen) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                String state = seen.get();
                throw new AssertionError("timed out after " + millis + " ms waiting for " + what
                        + (state.isEmpty() ? "" : ": " + state));
            }
            Thread.sleep(50);
        }
    }

}
