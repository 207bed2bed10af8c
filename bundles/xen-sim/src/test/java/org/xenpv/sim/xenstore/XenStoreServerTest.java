package org.xenpv.sim.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xenpv.abi.xs.XsMessageType.DIRECTORY;
import static org.xenpv.abi.xs.XsMessageType.DIRECTORY_PART;
import static org.xenpv.abi.xs.XsMessageType.GET_DOMAIN_PATH;
import static org.xenpv.abi.xs.XsMessageType.GET_PERMS;
import static org.xenpv.abi.xs.XsMessageType.MKDIR;
import static org.xenpv.abi.xs.XsMessageType.READ;
import static org.xenpv.abi.xs.XsMessageType.RM;
import static org.xenpv.abi.xs.XsMessageType.SET_PERMS;
import static org.xenpv.abi.xs.XsMessageType.TRANSACTION_END;
import static org.xenpv.abi.xs.XsMessageType.TRANSACTION_START;
import static org.xenpv.abi.xs.XsMessageType.UNWATCH;
import static org.xenpv.abi.xs.XsMessageType.WATCH;
import static org.xenpv.abi.xs.XsMessageType.WRITE;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.platform.spi.PortException;

/** The simulated XenStore daemon on the wire, as guests and dom0 see it. */
class XenStoreServerTest {
    private XenStoreServer server;
    private RawClient dom0;
    private RawClient guest1;
    private RawClient guest2;

    @BeforeEach
    void setUp() {
        server = new XenStoreServer(new XsLimits(20, 4, 2, 2048, 5, 2048, 1024));
        for (int domid : new int[] {1, 2}) {
            server.write("/local/domain/" + domid, "", "n" + domid);
            server.write("/local/domain/" + domid + "/domid", Integer.toString(domid), "n0", "r" + domid);
        }
        // A backend directory as a toolstack lays it out: dom0's, readable by the frontend's domain.
        server.write("/local/domain/0/backend/vif/1/0/state", "2", "n0", "r1");
        dom0 = new RawClient(server, 0);
        guest1 = new RawClient(server, 1);
        guest2 = new RawClient(server, 2);
    }

    @AfterEach
    void tearDown() {
        dom0.close();
        guest1.close();
        guest2.close();
        assertEquals(0, server.connectionCount(), "every connection ended");
        assertEquals(0, server.watchCount(), "no watch outlives its connection");
        assertEquals(0, server.transactionCount(), "no transaction outlives its connection");
    }

    @Test
    void readWriteMkdirDirectoryRm() throws PortException {
        assertEquals("OK|", guest1.call(WRITE, "data/greeting\0hello"));
        assertEquals("hello", guest1.call(READ, "/local/domain/1/data/greeting\0"));
        assertEquals("OK|", guest1.call(MKDIR, "data/empty\0"));
        assertEquals("OK|", guest1.call(MKDIR, "data/empty\0"), "mkdir of an existing node is fine");
        assertEquals("greeting|empty|", guest1.call(DIRECTORY, "data\0"));
        assertEquals("OK|", guest1.call(RM, "data\0"));
        assertEquals("ERROR:ENOENT", guest1.call(READ, "data/greeting\0"));
        assertEquals("OK|", guest1.call(RM, "data\0"), "rm of a missing node whose parent exists");
        assertEquals("ERROR:ENOENT", guest1.call(RM, "no/such\0"), "rm when the parent is missing too");
        assertEquals("ERROR:EINVAL", dom0.call(RM, "/\0"));
        assertEquals("/local/domain/7|", guest1.call(GET_DOMAIN_PATH, "7\0"));
    }

    @Test
    void newNodesInheritTheParentsPermissionsOwnedByTheirCreator() throws PortException {
        assertEquals("OK|", guest1.call(WRITE, "device/vif/0/state\0" + "1"));
        assertEquals("n1|", guest1.call(GET_PERMS, "device/vif/0/state\0"));
        assertEquals("OK|", guest1.call(SET_PERMS, "device/vif/0/state\0n1\0r0\0"));
        assertEquals("n1|r0|", dom0.call(GET_PERMS, "/local/domain/1/device/vif/0/state\0"));
        assertEquals("OK|", dom0.call(WRITE, "/local/domain/1/device/vif/0/backend\0/local/domain/0/backend/vif/1/0"));
        assertEquals("n1|", dom0.call(GET_PERMS, "/local/domain/1/device/vif/0/backend\0"),
                "dom0 creates with the parent's permissions, owner included");
    }

    @Test
    void aGuestCannotTouchAnotherGuestsOrTheBackendsNodes() throws PortException {
        guest2.call(WRITE, "secret\0" + "42");
        assertEquals("ERROR:EACCES", guest1.call(READ, "/local/domain/2/secret\0"));
        assertEquals("ERROR:EACCES", guest1.call(WRITE, "/local/domain/2/secret\0x"));
        assertEquals("ERROR:EACCES", guest1.call(WRITE, "/local/domain/2/new\0x"), "creating needs write on the parent");
        assertEquals("ERROR:EACCES", guest1.call(RM, "/local/domain/2/secret\0"));
        assertEquals("ERROR:EACCES", guest1.call(DIRECTORY, "/local/domain/2\0"));
        assertEquals("ERROR:EACCES", guest1.call(SET_PERMS, "/local/domain/2/secret\0b1\0"));
        assertEquals("2", guest1.call(READ, "/local/domain/0/backend/vif/1/0/state\0"), "the backend lets it read");
        assertEquals("ERROR:EACCES", guest1.call(WRITE, "/local/domain/0/backend/vif/1/0/state\0" + "4"));
        assertEquals("1", guest1.call(READ, "domid\0"), "its own domid is readable to it");
        assertEquals("ERROR:EACCES", guest1.call(WRITE, "domid\0" + "0"), "its own domid is read-only to it");
        assertEquals("ERROR:EACCES", guest2.call(READ, "/local/domain/0/backend/vif/1/0/state\0"));
        assertEquals("42", dom0.call(READ, "/local/domain/2/secret\0"), "dom0 is privileged");
    }

    @Test
    void onlyTheOwnerChangesPermissions() throws PortException {
        guest1.call(WRITE, "shared\0x");
        guest1.call(SET_PERMS, "shared\0n1\0b2\0");
        assertEquals("OK|", guest2.call(WRITE, "/local/domain/1/shared\0y"), "b2 lets domain 2 write");
        assertEquals("ERROR:EACCES", guest2.call(SET_PERMS, "/local/domain/1/shared\0b2\0"));
        assertEquals("ERROR:EINVAL", guest1.call(SET_PERMS, "shared\0x1\0"));
        assertEquals("ERROR:EINVAL", guest1.call(SET_PERMS, "shared\0"));
        assertEquals("ERROR:EPERM", guest1.call(SET_PERMS, "shared\0n2\0"), "a guest may not give a node away");
        assertEquals("OK|", dom0.call(SET_PERMS, "/local/domain/1/shared\0n2\0"), "dom0 may");
    }

    @Test
    void aTransactionThatReadANodeChangedByAConcurrentCommitFailsWithEagain() throws PortException {
        guest1.call(WRITE, "counter\0" + "1");
        String tx = guest1.call(TRANSACTION_START, "\0").replace("|", "");
        int id = Integer.parseInt(tx);
        assertEquals("1", guest1.callIn(id, READ, "counter\0"));
        assertEquals("OK|", guest1.callIn(id, WRITE, "counter\0" + "2"));
        assertEquals("1", guest1.call(READ, "counter\0"), "not visible outside before commit");
        assertEquals("OK|", dom0.call(WRITE, "/local/domain/1/counter\0" + "5"));
        assertEquals("ERROR:EAGAIN", guest1.callIn(id, TRANSACTION_END, "T\0"));
        assertEquals("5", guest1.call(READ, "counter\0"), "nothing of the failed transaction applied");
        assertEquals("ERROR:ENOENT", guest1.callIn(id, READ, "counter\0"), "the transaction is gone");
    }

    @Test
    void transactionsOnUnrelatedNodesBothCommitAndTheirWritesAppearAtOnce() throws PortException {
        // Existing nodes: creating a child changes its parent, which two transactions would then share.
        for (String node : new String[] {"ring-ref", "event-channel", "other/key"}) {
            guest1.call(WRITE, node + "\0");
        }
        int a = Integer.parseInt(guest1.call(TRANSACTION_START, "\0").replace("|", ""));
        int b = Integer.parseInt(guest1.call(TRANSACTION_START, "\0").replace("|", ""));
        int spare = Integer.parseInt(guest1.call(TRANSACTION_START, "\0").replace("|", ""));
        assertEquals("ERROR:ENOSPC", guest1.call(TRANSACTION_START, "\0"),
                "a quota of 2 lets 3 be open, as C xenstored's check 'started > quota' does");
        assertEquals("OK|", guest1.callIn(spare, TRANSACTION_END, "F\0"));
        guest1.callIn(a, WRITE, "ring-ref\0" + "8");
        guest1.callIn(a, WRITE, "event-channel\0" + "5");
        guest1.callIn(b, WRITE, "other/key\0v");
        assertEquals("OK|", guest1.callIn(b, TRANSACTION_END, "T\0"));
        assertEquals("OK|", guest1.callIn(a, TRANSACTION_END, "T\0"));
        assertEquals("8", guest1.call(READ, "ring-ref\0"));
        assertEquals("5", guest1.call(READ, "event-channel\0"));
        assertEquals("v", guest1.call(READ, "other/key\0"));
        int c = Integer.parseInt(guest1.call(TRANSACTION_START, "\0").replace("|", ""));
        guest1.callIn(c, WRITE, "dropped\0x");
        assertEquals("OK|", guest1.callIn(c, TRANSACTION_END, "F\0"));
        assertEquals("ERROR:ENOENT", guest1.call(READ, "dropped\0"));
        assertEquals("ERROR:ENOENT", guest1.callIn(4242, READ, "ring-ref\0"));
    }

    @Test
    void aWatchFiresOnRegistrationAndForChangesAtOrUnderItsPath() throws PortException {
        assertEquals("OK|", dom0.call(WATCH, "/local/domain/1/device\0tok\0"));
        assertEquals(List.of("/local/domain/1/device|tok|"), dom0.takeEvents(), "the initial event");
        guest1.call(WRITE, "device/vif/0/state\0" + "1");
        guest1.call(WRITE, "devices-not-under\0x");
        guest1.call(WRITE, "device/vif/0/state\0" + "3");
        assertEquals(List.of("/local/domain/1/device/vif/0/state|tok|", "/local/domain/1/device/vif/0/state|tok|"),
                dom0.takeEvents(), "in order, and not for a sibling sharing the prefix");
        guest1.call(RM, "device\0");
        assertEquals(List.of("/local/domain/1/device|tok|"), dom0.takeEvents());
        assertEquals("OK|", dom0.call(UNWATCH, "/local/domain/1/device\0tok\0"));
        guest1.call(WRITE, "device/x\0y");
        assertEquals(List.of(), dom0.takeEvents());
        assertEquals("ERROR:ENOENT", dom0.call(UNWATCH, "/local/domain/1/device\0tok\0"));
    }

    @Test
    void removingAParentFiresWatchesBelowWithTheirOwnPath() throws PortException {
        guest1.call(WRITE, "device/vif/0/state\0" + "1");
        guest1.call(WATCH, "device/vif/0/state\0mine\0");
        assertEquals(List.of("device/vif/0/state|mine|"), guest1.takeEvents(), "relative in, relative out");
        guest1.call(WRITE, "device/vif/0/state\0" + "2");
        assertEquals(List.of("device/vif/0/state|mine|"), guest1.takeEvents());
        guest1.call(RM, "device\0");
        assertEquals(List.of("device/vif/0/state|mine|"), guest1.takeEvents());
    }

    @Test
    void watchesSeeOnlyWhatTheirDomainMayRead() throws PortException {
        guest2.call(WATCH, "/local/domain\0spy\0");
        assertEquals(1, guest2.takeEvents().size());
        guest1.call(WRITE, "private\0x");
        dom0.call(WRITE, "/local/domain/0/hidden\0y");
        dom0.call(SET_PERMS, "/local/domain/0/hidden\0n0\0r2\0");
        assertEquals(List.of("/local/domain/0/hidden|spy|"), guest2.takeEvents(),
                "not the writes of nodes it cannot read, but the permission change that lets it read one");
    }

    @Test
    void watchLimitsAndDuplicates() throws PortException {
        assertEquals("OK|", guest1.call(WATCH, "a\0t\0"));
        assertEquals("ERROR:EEXIST", guest1.call(WATCH, "a\0t\0"));
        guest1.call(WATCH, "b\0t\0");
        guest1.call(WATCH, "c\0t\0");
        guest1.call(WATCH, "d\0t\0");
        try (RawClient second = new RawClient(server, 1)) {
            assertEquals("OK|", second.call(WATCH, "e\0t\0"), "quota 4 lets 5 in ('count > quota' before adding)");
            assertEquals("ERROR:E2BIG", second.call(WATCH, "f\0t\0"),
                    "the quota is per domain: a second connection of domain 1 shares it");
        }
        assertEquals("OK|", guest1.call(WATCH, "f\0t\0"), "the closed connection's watch no longer counts");
        assertEquals("OK|", guest2.call(WATCH, "g\0t\0"), "another domain has its own");
        for (int i = 0; i < 10; i++) {
            assertEquals("OK|", dom0.call(WATCH, "/w" + i + "\0t\0"), "dom0 is exempt");
        }
    }

    @Test
    void specialWatchesFireForDomainsComingAndGoing() throws PortException {
        dom0.call(WATCH, "@introduceDomain\0in\0");
        dom0.call(WATCH, "@releaseDomain\0out\0");
        guest1.call(WATCH, "@releaseDomain\0out\0");
        dom0.takeEvents();
        guest1.takeEvents();
        server.introduceDomain(3);
        server.releaseDomain(3);
        assertEquals(List.of("@introduceDomain|in|", "@releaseDomain|out|"), dom0.takeEvents());
        assertEquals(List.of(), guest1.takeEvents(), "guests are not told about other domains");
    }

    @Test
    void quotasRefuseBigValuesAndTooManyNodes() throws PortException {
        assertEquals("ERROR:ENOSPC", guest1.call(WRITE, "big\0" + "x".repeat(2049)));
        assertEquals(1, server.nodesOwnedBy(1), "domain 1 owns its home (the toolstack made it n1)");
        for (int i = 1; i < 20; i++) {
            assertEquals("OK|", guest1.call(WRITE, "n" + i + "\0v"), "node " + i + " of 20");
        }
        assertEquals(20, server.nodesOwnedBy(1));
        assertEquals("ERROR:ENOSPC", guest1.call(WRITE, "n20\0v"), "the 21st node is over the quota of 20");
        assertEquals("OK|", guest1.call(WRITE, "n1\0rewritten"), "changing an owned node needs no new entry");
        assertEquals("OK|", dom0.call(WRITE, "/local/domain/1/by-dom0\0v"), "dom0 is exempt");
        assertEquals(21, server.nodesOwnedBy(1), "a node dom0 makes under a guest's node is the guest's (n1)");
    }

    @Test
    void largeDirectoriesAreReadInPartsWithAGeneration() throws PortException {
        for (int i = 0; i < 300; i++) {
            dom0.call(WRITE, "/big/child-with-a-long-name-" + i + "\0");
        }
        assertEquals("ERROR:E2BIG", dom0.call(DIRECTORY, "/big\0"));
        StringBuilder names = new StringBuilder();
        String generation = null;
        int offset = 0;
        while (true) {
            String part = dom0.call(DIRECTORY_PART, "/big\0" + offset + "\0");
            int bar = part.indexOf('|');
            String partGeneration = part.substring(0, bar);
            if (generation != null) {
                assertEquals(generation, partGeneration, "the directory did not change between parts");
            }
            generation = partGeneration;
            String chunk = part.substring(bar + 1);
            if (chunk.endsWith("||") || chunk.equals("|")) {
                names.append(chunk, 0, chunk.length() - 1);
                break;
            }
            names.append(chunk);
            offset += chunk.length();
        }
        String[] children = names.toString().split("\\|");
        assertEquals(300, children.length);
        assertEquals("child-with-a-long-name-299", children[299]);
    }

    @Test
    void malformedMessagesAreAnsweredWithErrorsAndTheConnectionStaysUsable() throws PortException {
        long before = server.malformedCount();
        // A length over 4096: refused with E2BIG, its bytes skipped, the next request answered.
        ByteBuffer oversized = ByteBuffer.allocate(16 + 5000).order(ByteOrder.LITTLE_ENDIAN);
        oversized.putInt(XsMessageType.WRITE.code()).putInt(77).putInt(0).putInt(5000).position(16 + 5000).flip();
        guest1.sendRaw(oversized);
        XsMessage refusal = guest1.next();
        assertEquals("ERROR:E2BIG", RawClient.text(refusal));
        assertEquals(77, refusal.requestId());

        ByteBuffer unknownType = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        unknownType.putInt(999).putInt(78).putInt(0).putInt(0).flip();
        guest1.sendRaw(unknownType);
        assertEquals("ERROR:ENOSYS", RawClient.text(guest1.next()), "as C xenstored answers an unknown type");

        assertEquals("ERROR:EINVAL", guest1.call(READ, "domid"), "path without its NUL");
        assertEquals("ERROR:EINVAL", guest1.call(READ, "a//b\0"));
        assertEquals("ERROR:EINVAL", guest1.call(READ, "bad path!\0"));
        assertEquals("ERROR:EINVAL", guest1.call(TRANSACTION_END, "X\0"));
        assertEquals("ERROR:EINVAL", guest1.call(XsMessageType.WATCH_EVENT, "x\0y\0"));
        assertEquals("ERROR:EACCES", guest1.call(XsMessageType.CONTROL, "check\0"));
        assertEquals("1", guest1.call(READ, "domid\0"), "still serving after all that");
        assertTrue(server.malformedCount() >= before + 6, "malformed messages are counted");
    }

    @Test
    void aMessageSplitAcrossWritesIsAssembled() throws PortException {
        ByteBuffer whole = new XsMessage(XsMessageType.READ.code(), 5, 0, "domid\0".getBytes()).encode();
        for (int i = 0; i < whole.limit(); i++) {
            guest1.sendRaw(ByteBuffer.wrap(new byte[] {whole.get(i)}));
        }
        XsMessage reply = guest1.next();
        assertEquals(5, reply.requestId());
        assertEquals("1", RawClient.text(reply));
    }

    @Test
    void closingAConnectionEndsItsWatchesAndTransactions() throws PortException {
        RawClient transient1 = new RawClient(server, 1);
        transient1.call(WATCH, "x\0t\0");
        transient1.call(TRANSACTION_START, "\0");
        assertEquals(1, server.watchCount());
        assertEquals(1, server.transactionCount());
        transient1.close();
        assertEquals(0, server.watchCount());
        assertEquals(0, server.transactionCount());
        assertEquals(-1, transient1.channel.read(ByteBuffer.allocate(16)), "a closed channel reads end-of-stream");
    }
}
