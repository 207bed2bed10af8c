package org.xenpv.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import javax.security.auth.Subject;

import org.apache.karaf.features.FeaturesService;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Karaf's command ACLs in the distribution: a user with the viewer role only, as an ssh login of a monitoring user
 * would be, runs xenpv's read commands but neither sees nor runs one that changes state; the admin runs both.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CommandAclIT extends XenpvTestSupport {
    private static final Subject VIEWER = subject("watcher", "viewer");
    private static final String CAPTURE_FILE = "data/acl-it.pcapng";

    @Configuration
    public Option[] config() {
        return xenpvDistribution();
    }

    /**
     * Whether the viewer was refused the command by the ACL: Karaf hides a command its ACL denies to a session, so
     * it is not found; an argument-specific rule would throw a SecurityException instead. Anything else (the
     * command ran, or failed on its own) is not a refusal.
     */
    private boolean refusedToViewer(String command) {
        try {
            executeCommandAs(VIEWER, command);
            return false;
        } catch (SecurityException e) {
            return true;
        } catch (Exception e) {
            String scopeAndName = command.split(" ")[0];
            return String.valueOf(e.getMessage()).contains("Command not found: " + scopeAndName);
        }
    }

    @Before
    public void awaitTheCommandsAndTheirAcls() throws Exception {
        waitFor("vif-0 and vif-1 active", () -> {
            try {
                String list = executeCommand("netfront:list --no-format");
                return list.contains("vif-0") && list.contains("vif-1");
            } catch (Exception notYet) {
                return false;
            }
        });
        featuresService.installFeature("xenpv-capture", EnumSet.noneOf(FeaturesService.Option.class));
        // Karaf reads the ACL configurations as they come (the capture one with its feature): wait until each
        // scope's rule is in effect, probing with an argument the command would refuse anyway, so that a probe
        // that runs before the rule changes nothing.
        for (String harmless : List.of("xenstore:rm /no/such/node", "netfront:down vif-9", "sim:vif-remove 99 99",
                "capture:stop vif-9")) {
            waitFor("the ACL for " + harmless, () -> refusedToViewer(harmless));
        }
    }

    @Test
    public void aViewerIsRefusedEveryCommandThatChangesStateAndNothingChanges() throws Exception {
        executeCommand("xenstore:write data/acl kept");
        List<String> changing = List.of(
                "xenstore:write data/acl changed",
                "xenstore:rm data/acl",
                "netfront:down vif-0",
                "netfront:up vif-0",
                "sim:guest-create",
                "sim:vif-add 1",
                "sim:vif-remove 1 1",
                "sim:vif-list",
                "capture:start vif-0 " + CAPTURE_FILE,
                "capture:stop vif-0");
        for (String command : changing) {
            assertTrue("a viewer ran " + command, refusedToViewer(command));
        }

        assertEquals("kept", executeCommand("xenstore:read data/acl").strip());
        String list = executeCommand("netfront:list --no-format");
        assertTrue(list, list.matches("(?s).*vif-0\\s.*ACTIVE.*") && list.contains("vif-1"));
        String vifs = executeCommand("sim:vif-list --no-format");
        assertEquals(vifs, 2, vifs.lines().filter(line -> line.contains("00:16:3e")).count());
        assertFalse(Files.exists(Path.of(System.getProperty("karaf.base"), CAPTURE_FILE)));
        executeCommand("xenstore:rm data/acl");
    }

    @Test
    public void aViewerReadsWhatAdminsRead() throws Exception {
        for (String command : List.of("netfront:list --no-format", "netfront:stats vif-0", "xen:info --no-format",
                "xenbus:list --no-format", "xenstore:ls device", "capture:list --no-format")) {
            try {
                executeCommandAs(VIEWER, command);
            } catch (Exception e) {
                fail("a viewer could not run " + command + ": " + e);
            }
        }
        assertTrue(executeCommandAs(VIEWER, "netfront:list --no-format").contains("vif-0"));
    }

    @Test
    public void theAdminRunsTheCommandsAViewerMayNot() throws Exception {
        executeCommand("xenstore:write data/acl-admin yes");
        assertEquals("yes", executeCommand("xenstore:read data/acl-admin").strip());
        executeCommand("xenstore:rm data/acl-admin");
        assertTrue(executeCommand("netfront:down vif-1").contains("STOPPED"));
        assertTrue(executeCommand("netfront:up vif-1").contains("ACTIVE"));
        assertTrue(executeCommand("sim:vif-list --no-format").contains("00:16:3e"));
    }
}
