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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXServiceURL;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The distribution as it ships, nobody's user added, with its ssh server on: the first start gives the local user a
 * secret of its own, which only the owner can read, and the known password {@code karaf} lets nobody in over ssh or
 * JMX; both listen on this machine only, and ssh serves no sftp.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LocalUserIT extends XenpvTestSupport {

    @Configuration
    public Option[] config() {
        return xenpvDistributionWithSsh(freePort());
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

    private static int sshPort() throws IOException {
        return Integer.parseInt(load(etc().resolve("org.apache.karaf.shell.cfg")).getProperty("sshPort").strip());
    }

    /** An ssh session logged in as bin/client would log in, or the client's exception for a refused login. */
    private static ClientSession sshLogin(SshClient client, String user, String password) throws Exception {
        int port = sshPort();
        waitFor("Karaf's ssh server on 127.0.0.1:" + port, () -> reachable(InetAddress.getLoopbackAddress(), port));
        ClientSession session = client.connect(user, "127.0.0.1", port).verify(30, TimeUnit.SECONDS).getSession();
        try {
            session.addPasswordIdentity(password);
            session.auth().verify(30, TimeUnit.SECONDS);
            return session;
        } catch (Exception e) {
            session.close();
            throw e;
        }
    }

    private static SshClient sshClient() {
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        return client;
    }

    @Test
    public void theSecretLogsInOverSshAndTheKnownPasswordDoesNot() throws Exception {
        String secret = awaitSecret();
        try (SshClient client = sshClient()) {
            try (ClientSession session = sshLogin(client, "karaf", secret)) {
                assertTrue(session.executeRemoteCommand("netfront:list --no-format").contains("vif-0"));
            }
            try (ClientSession session = sshLogin(client, "karaf", "karaf")) {
                fail("logged in over ssh with the password every Karaf once shipped");
            } catch (IOException expected) {
                // no authentication method left: Karaf's JAAS realm refused it
            }
        }
    }

    @Test
    public void sshListensOnThisMachineOnlyAndServesNoSftp() throws Exception {
        String secret = awaitSecret();
        try (SshClient client = sshClient(); ClientSession session = sshLogin(client, "karaf", secret)) {
            int port = sshPort();
            for (InetAddress other : nonLoopbackAddresses()) {
                assertTrue(other + ":" + port + " must refuse", !reachable(other, port));
            }
            try (SftpClient sftp = SftpClientFactory.instance().createSftpClient(session)) {
                fail("an sftp session opened: " + sftp.getVersion());
            } catch (IOException expected) {
                // the server has no sftp subsystem
            }
            assertTrue("the session still serves the console after the refused subsystem",
                    session.executeRemoteCommand("xen:info --no-format").contains("sim"));
        }
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
