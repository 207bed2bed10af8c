package org.xenpv.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXServiceURL;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The distribution as it ships, nobody's user added: the first start gives the local user a secret of its own, which
 * only the owner can read, and the known password {@code karaf} lets nobody in; JMX listens on this machine only,
 * as ssh is configured to, and sftp is off.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LocalUserIT extends XenpvTestSupport {

    @Configuration
    public Option[] config() {
        return xenpvDistribution();
    }

    private static Path etc() {
        return Path.of(System.getProperty("karaf.etc"));
    }

    private static String mode(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    private static Properties load(Path file) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        }
        return properties;
    }

    private String awaitSecret() throws Exception {
        Path secret = etc().resolve("karaf.secret");
        waitFor(secret + " written", () -> {
            try {
                return Files.size(secret) > 0;
            } catch (IOException notYet) {
                return false;
            }
        });
        return Files.readString(secret, StandardCharsets.US_ASCII).strip();
    }

    @Test
    public void theFirstStartGivesTheLocalUserASecretOnlyTheOwnerReadsAndSaysWhereOnce() throws Exception {
        String secret = awaitSecret();

        assertTrue(secret, secret.matches("[A-Za-z0-9]{32}"));
        assertEquals("rw-------", mode(etc().resolve("karaf.secret")));
        assertEquals("rw-------", mode(etc().resolve("users.properties")));
        assertEquals(secret + ",_g_:admingroup", load(etc().resolve("users.properties")).getProperty("karaf"));
        Path log = Path.of(System.getProperty("karaf.data"), "log", "karaf.log");
        waitFor("the log naming the secret's file", () -> logLines(log, "created the local user").size() == 1);
        List<String> lines = logLines(log, "created the local user");
        assertTrue(lines.get(0), lines.get(0).contains(etc().resolve("karaf.secret").toString()));
        assertTrue("the secret itself is never logged", logLines(log, secret).isEmpty());
    }

    private static List<String> logLines(Path log, String containing) {
        try {
            List<String> found = new ArrayList<>();
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.contains(containing)) {
                    found.add(line);
                }
            }
            return found;
        } catch (IOException notYet) {
            return List.of();
        }
    }

    @Test
    public void theSecretLogsInOverJmxAndTheKnownPasswordDoesNot() throws Exception {
        String secret = awaitSecret();

        try (JMXConnector connector = connectJmx("karaf", secret)) {
            assertTrue(connector.getMBeanServerConnection().getMBeanCount() > 0);
        }
        try (JMXConnector connector = connectJmx("karaf", "karaf")) {
            fail("logged in with the password every Karaf once shipped");
        } catch (SecurityException expected) {
            // Karaf's JAAS realm refused it
        }
    }

    @Test
    public void jmxListensOnThisMachineOnly() throws Exception {
        JMXServiceURL address = connectorAddress();
        // service:jmx:rmi://<server host>:<port>/jndi/rmi://<registry host>:<port>/karaf-<name>
        Matcher endpoints = Pattern.compile("rmi://([^:/]+):(\\d+)").matcher(address.toString());
        int found = 0;
        while (endpoints.find()) {
            found++;
            assertEquals(address.toString(), "127.0.0.1", endpoints.group(1));
            int port = Integer.parseInt(endpoints.group(2));
            assertTrue("listening on 127.0.0.1:" + port, reachable(InetAddress.getLoopbackAddress(), port));
            if (port == Integer.getInteger("org.ops4j.pax.exam.rbc.rmi.port", -1)) {
                // Pax Exam points the connector at the RMI registry it runs for itself on every address, and Karaf
                // locates that one instead of creating its own on 127.0.0.1: not ours to judge here.
                continue;
            }
            for (InetAddress other : nonLoopbackAddresses()) {
                assertTrue(other + ":" + port + " must refuse", !reachable(other, port));
            }
        }
        assertEquals("the registry and the server in " + address, 2, found);
    }

    @Test
    public void sshIsConfiguredForThisMachineOnlyAndWithoutSftp() throws Exception {
        Properties shell = load(etc().resolve("org.apache.karaf.shell.cfg"));
        assertEquals("127.0.0.1", shell.getProperty("sshHost"));
        assertEquals("false", shell.getProperty("sftpEnabled"));
        Properties management = load(etc().resolve("org.apache.karaf.management.cfg"));
        assertEquals("127.0.0.1", management.getProperty("rmiRegistryHost"));
        assertEquals("127.0.0.1", management.getProperty("rmiServerHost"));
    }

    private static boolean reachable(InetAddress address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** This machine's own addresses other than loopback (none on a machine without network: nothing to try). */
    private static List<InetAddress> nonLoopbackAddresses() throws IOException {
        List<InetAddress> addresses = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nif.isUp() && !nif.isLoopback()) {
                for (InetAddress address : Collections.list(nif.getInetAddresses())) {
                    if (!(address instanceof Inet6Address && address.isLinkLocalAddress())) {
                        addresses.add(address);
                    }
                }
            }
        }
        return addresses;
    }
}
