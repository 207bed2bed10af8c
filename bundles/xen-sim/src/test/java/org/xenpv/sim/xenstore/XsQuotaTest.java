package org.xenpv.sim.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xenpv.abi.xs.XsMessageType.CONTROL;
import static org.xenpv.abi.xs.XsMessageType.GET_PERMS;
import static org.xenpv.abi.xs.XsMessageType.READ;
import static org.xenpv.abi.xs.XsMessageType.RM;
import static org.xenpv.abi.xs.XsMessageType.SET_PERMS;
import static org.xenpv.abi.xs.XsMessageType.TRANSACTION_END;
import static org.xenpv.abi.xs.XsMessageType.TRANSACTION_START;
import static org.xenpv.abi.xs.XsMessageType.WATCH;
import static org.xenpv.abi.xs.XsMessageType.WRITE;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.platform.spi.PortException;

/**
 * The simulated server's quotas at C xenstored's defaults (Xen 4.17), with
 * its boundaries and errors: each test's numbers are those of
 * xenstored_core.c, xenstored_watch.c, xenstored_transaction.c and
 * xenstored_domain.c, so that a test against the simulator means what it
 * would against the real daemon. Guests are bound, dom0 is exempt.
 */
class XsQuotaTest {
    private XenStoreServer server;
    private RawClient dom0;
    private RawClient guest;

    @BeforeEach
    void setUp() {
        server = new XenStoreServer();
        server.write("/local/domain/1", "", "n1");
        dom0 = new RawClient(server, 0);
        guest = new RawClient(server, 1);
    }

    @AfterEach
    void tearDown() {
        dom0.close();
        guest.close();
    }

    private static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    private int startTransaction(RawClient client) throws PortException {
        return Integer.parseInt(client.call(TRANSACTION_START, "\0").replace("|", ""));
    }

    @Test
    void aNodeRecordOf2048BytesHeaderPermissionsValueAndChildNamesIsRefusedWithEnospc() throws PortException {
        // 24 bytes of header + 8 per permission entry + the value: 24 + 8 + 2015 = 2047 fits, 2048 does not.
        assertEquals("OK|", guest.call(WRITE, "v\0" + repeat('x', 2015)));
        assertEquals("ERROR:ENOSPC", guest.call(WRITE, "v\0" + repeat('x', 2016)));
        assertEquals("ERROR:ENOSPC", guest.call(SET_PERMS, "v\0n1\0r0\0"),
                "a second entry takes 8 bytes more: 2055, so even changing permissions is refused");
        assertEquals("OK|", guest.call(WRITE, "v\0" + repeat('x', 2007)));
        assertEquals("OK|", guest.call(SET_PERMS, "v\0n1\0r0\0"), "24 + 16 + 2007 = 2047");
        assertEquals("ERROR:ENOSPC", guest.call(WRITE, "v\0" + repeat('x', 2008)));
        assertEquals("OK|", dom0.call(WRITE, "/local/domain/1/v\0" + repeat('x', 4000)), "dom0 is exempt");

        // Child names count too: "c000" and its NUL are 5 bytes; 32 + 5 * 403 = 2047 fits, a 404th does not.
        for (int i = 0; i < 403; i++) {
            assertEquals("OK|", guest.call(WRITE, String.format("dir/c%03d\0", i)), "child " + i);
        }
        assertEquals("ERROR:ENOSPC", guest.call(WRITE, "dir/c403\0"), "the parent's record would be 2052 bytes");
        assertEquals("OK|", dom0.call(WRITE, "/local/domain/1/dir/c403\0"), "dom0 is exempt");
        assertEquals("ERROR:ENOSPC", guest.call(WRITE, "dir\0"),
                "now the guest cannot even rewrite the node dom0 grew past the quota");
        assertEquals("OK|", guest.call(RM, "dir/c000\0"), "removing is never refused");
        assertEquals("OK|", guest.call(WRITE, "dir\0"));
    }

    @Test
    void aPathMayHave2048CharactersAfterTheDomainsHomeForEveryone() throws PortException {
        assertEquals("ERROR:ENOENT", guest.call(READ, repeat('p', 2048) + "\0"), "a valid path, no such node");
        assertEquals("ERROR:EINVAL", guest.call(READ, repeat('p', 2049) + "\0"));
        assertEquals("ERROR:ENOENT", dom0.call(READ, "/local/domain/1/" + repeat('p', 2048) + "\0"));
        assertEquals("ERROR:EINVAL", dom0.call(READ, "/local/domain/1/" + repeat('p', 2049) + "\0"),
                "path-max binds dom0 too");
        assertEquals("ERROR:ENOENT", dom0.call(READ, "/tool/" + repeat('p', 2042) + "\0"), "2048 in all");
        assertEquals("ERROR:EINVAL", dom0.call(READ, "/tool/" + repeat('p', 2043) + "\0"),
                "outside /local/domain/<domid>/ the whole path counts");
    }

    @Test
    void elevenTransactionsMayBeOpenAndTheTwelfthIsRefusedWithEnospc() throws PortException {
        for (int i = 0; i < 11; i++) {
            startTransaction(guest);
        }
        assertEquals("ERROR:ENOSPC", guest.call(TRANSACTION_START, "\0"));
        try (RawClient other = new RawClient(server, 1)) {
            startTransaction(other);
            assertEquals(1, server.transactionCount() - 11, "the quota is per connection");
        }
        for (int i = 0; i < 20; i++) {
            startTransaction(dom0);
        }
        assertEquals(31, server.transactionCount(), "dom0 is exempt");
    }

    @Test
    void oneHundredTwentyNineWatchesPerDomainAndTheNextIsRefusedWithE2big() throws PortException {
        for (int i = 0; i < 129; i++) {
            assertEquals("OK|", guest.call(WATCH, "w" + i + "\0t\0"), "watch " + i);
        }
        assertEquals("ERROR:E2BIG", guest.call(WATCH, "w129\0t\0"));
        for (int i = 0; i < 200; i++) {
            assertEquals("OK|", dom0.call(WATCH, "/w" + i + "\0t\0"), "dom0 is exempt");
        }
    }

    @Test
    void fivePermissionEntriesForAGuestAndAnyNumberForDom0() throws PortException {
        guest.call(WRITE, "p\0");
        assertEquals("OK|", guest.call(SET_PERMS, "p\0n1\0r2\0r3\0r4\0r5\0"));
        assertEquals("ERROR:ENOSPC", guest.call(SET_PERMS, "p\0n1\0r2\0r3\0r4\0r5\0r6\0"));
        assertEquals("OK|", dom0.call(SET_PERMS, "/local/domain/1/p\0n1\0r2\0r3\0r4\0r5\0r6\0r7\0"));
        assertEquals("n1|r2|r3|r4|r5|r6|r7|", dom0.call(GET_PERMS, "/local/domain/1/p\0"));
    }

    @Test
    void aThousandNodesPerDomainAndBelowThatAtTheCommitOfATransaction() throws PortException {
        // Directories first, then leaves that each add exactly one node (and keep every record small).
        for (int d = 0; d < 34; d++) {
            guest.call(WRITE, "d" + d + "\0");
        }
        for (int leaf = 0; server.nodesOwnedBy(1) < 999; leaf++) {
            assertEquals("OK|", guest.call(WRITE, "d" + (leaf % 34) + "/n" + (leaf / 34) + "\0"));
        }
        assertEquals(999, server.nodesOwnedBy(1), "the home the toolstack made counts too");

        int tx = startTransaction(guest);
        assertEquals("OK|", guest.callIn(tx, WRITE, "d0/in-tx\0"), "checked against the live count, 999");
        assertEquals("ERROR:ENOSPC", guest.callIn(tx, TRANSACTION_END, "T\0"),
                "at commit C xenstored requires the count to stay below the quota: 1000 is refused");
        assertEquals("ERROR:ENOENT", guest.call(READ, "d0/in-tx\0"), "nothing of it applied");

        assertEquals("OK|", guest.call(WRITE, "d0/outside\0"), "outside a transaction 1000 is allowed");
        assertEquals("ERROR:ENOSPC", guest.call(WRITE, "d0/one-more\0"));
        int late = startTransaction(guest);
        assertEquals("ERROR:ENOSPC", guest.callIn(late, WRITE, "d0/in-tx\0"), "the live count is at the quota");
        assertEquals("OK|", guest.callIn(late, TRANSACTION_END, "F\0"));

        assertEquals("OK|", dom0.call(WRITE, "/local/domain/1/d0/by-dom0\0"), "dom0 is exempt");
        assertEquals(1001, server.nodesOwnedBy(1), "what dom0 creates under a guest's node is the guest's");
        assertEquals("OK|", guest.call(RM, "d0/outside\0"));
        assertEquals("ERROR:ENOSPC", guest.call(WRITE, "d0/again\0"), "1000: still at the quota");
        assertEquals("OK|", guest.call(RM, "d0/by-dom0\0"));
        assertEquals("OK|", guest.call(WRITE, "d0/again\0"), "a freed entry can be used again");
    }

    @Test
    void aGuestsTransactionMayAccess1024Nodes() throws PortException {
        int tx = startTransaction(guest);
        for (int i = 0; i < 1024; i++) {
            assertEquals("ERROR:ENOENT", guest.callIn(tx, READ, "n" + i + "\0"), "a read accesses the node");
        }
        assertEquals("ERROR:ENOSPC", guest.callIn(tx, READ, "n1024\0"));
        assertEquals("ERROR:ENOENT", guest.callIn(tx, READ, "n7\0"), "nodes already accessed stay readable");
        int dom0Tx = startTransaction(dom0);
        for (int i = 0; i < 1100; i++) {
            assertEquals("ERROR:ENOENT", dom0.callIn(dom0Tx, READ, "/tool/n" + i + "\0"), "dom0 is exempt");
        }
    }

    @Test
    void theQuotaControlCommandPrintsWhatCXenstoredPrints() throws PortException {
        String settings = dom0.call(CONTROL, "quota\0");
        assertTrue(settings.startsWith("Quota settings:\n"), settings);
        assertTrue(settings.contains("nodes            :     1000 Nodes per domain\n"), settings);
        assertTrue(settings.contains("watches          :      128 Watches per domain\n"), settings);
        assertTrue(settings.contains("transactions     :       10 Transactions per domain\n"), settings);
        assertTrue(settings.contains("node-size        :     2048 Max. size of a node\n"), settings);
        assertTrue(settings.contains("permissions      :        5 Max. number of permissions per node\n"), settings);
        guest.call(WATCH, "x\0t\0");
        guest.call(WRITE, "a/b\0");
        String domain = dom0.call(CONTROL, "quota\0" + "1\0");
        assertEquals("Domain 1:\nnodes           :        3\nwatches         :        1\n"
                + "transactions    :        0\n|", domain);
        assertEquals("ERROR:ENOENT", dom0.call(CONTROL, "quota\0" + "9\0"));
        assertEquals("ERROR:EACCES", guest.call(CONTROL, "quota\0"));
    }
}
