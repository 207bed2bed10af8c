package org.xenpv.sim.hypervisor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.grant.GrantStatus;
import org.xenpv.abi.grant.Grants;

class GrantTableTest {
    private Hypervisor hypervisor;
    private Domain dom0;
    private Domain guest;
    private Domain other;

    @BeforeEach
    void domains() throws HypervisorException {
        hypervisor = new Hypervisor(new HypervisorLimits(16, 64));
        dom0 = hypervisor.createDomain(0, "Domain-0");
        guest = hypervisor.createDomain(1, "guest");
        other = hypervisor.createDomain(2, "other");
    }

    private static ByteBuffer page() {
        return ByteBuffer.allocateDirect(GrantTable.PAGE_SIZE);
    }

    @Test
    void grantee_maps_the_granters_memory_not_a_copy() throws Exception {
        ByteBuffer page = page();
        int ref = guest.grants().grantAccess(0, page, false);
        try (GrantMapping mapping = guest.grants().map(dom0, ref, false)) {
            page.put(100, (byte) 0x5a);
            assertEquals(0x5a, mapping.page().get(100));
            mapping.page().put(200, (byte) 0x7e);
            assertEquals(0x7e, page.get(200));
        }
    }

    @Test
    void first_references_are_the_reserved_ones_skipped() throws Exception {
        int ref = guest.grants().grantAccess(0, page(), true);
        assertTrue(ref >= Grants.GNTTAB_NR_RESERVED_ENTRIES, "ref " + ref);
    }

    @Test
    void only_the_grantee_may_use_a_grant() throws Exception {
        int ref = guest.grants().grantAccess(0, page(), false);
        GrantException e = assertThrows(GrantException.class, () -> guest.grants().map(other, ref, true));
        assertEquals(GrantStatus.PERMISSION_DENIED, e.status());
        e = assertThrows(GrantException.class,
                () -> guest.grants().copyFromGrant(other, ref, 0, ByteBuffer.allocate(10), 10));
        assertEquals(GrantStatus.PERMISSION_DENIED, e.status());
        assertEquals(0, other.grantMappingsHeld());
    }

    @Test
    void read_only_grant_refuses_writes_and_writable_maps() throws Exception {
        int ref = guest.grants().grantAccess(0, page(), true);
        assertEquals(GrantStatus.PERMISSION_DENIED,
                assertThrows(GrantException.class, () -> guest.grants().map(dom0, ref, false)).status());
        assertEquals(GrantStatus.PERMISSION_DENIED, assertThrows(GrantException.class,
                () -> guest.grants().copyToGrant(dom0, ByteBuffer.allocate(4), ref, 0, 4)).status());
        try (GrantMapping mapping = guest.grants().map(dom0, ref, true)) {
            assertThrows(ReadOnlyBufferException.class, () -> mapping.page().put(0, (byte) 1));
        }
    }

    @Test
    void ended_grant_fails_and_unknown_refs_fail() throws Exception {
        int ref = guest.grants().grantAccess(0, page(), false);
        assertTrue(guest.grants().endAccess(ref));
        assertEquals(GrantStatus.BAD_GNTREF,
                assertThrows(GrantException.class, () -> guest.grants().map(dom0, ref, true)).status());
        assertEquals(GrantStatus.BAD_GNTREF,
                assertThrows(GrantException.class, () -> guest.grants().endAccess(ref)).status());
        assertEquals(GrantStatus.BAD_GNTREF,
                assertThrows(GrantException.class, () -> guest.grants().map(dom0, -1, true)).status());
        assertEquals(GrantStatus.BAD_GNTREF,
                assertThrows(GrantException.class, () -> guest.grants().map(dom0, 1 << 20, true)).status());
    }

    @Test
    void mapped_grant_cannot_be_ended_until_unmapped() throws Exception {
        int ref = guest.grants().grantAccess(0, page(), false);
        GrantMapping mapping = guest.grants().map(dom0, ref, false);
        assertFalse(guest.grants().endAccess(ref), "Xen refuses to end a mapped grant");
        assertEquals(1, guest.grants().activeGrants());
        mapping.unmap();
        assertThrows(IllegalStateException.class, mapping::unmap);
        assertTrue(guest.grants().endAccess(ref));
        assertEquals(0, guest.grants().activeGrants());
        assertEquals(0, dom0.grantMappingsHeld());
    }

    @Test
    void deferred_end_completes_when_the_last_mapping_goes_and_the_grantee_may_map_until_then() throws Exception {
        int ref = guest.grants().grantAccess(0, page(), false);
        GrantMapping mapping = guest.grants().map(dom0, ref, true);
        assertFalse(guest.grants().endAccessOrDefer(ref));
        assertEquals(0, guest.grants().activeGrants());
        assertEquals(1, guest.grants().deferredGrants());
        assertEquals(GrantStatus.BAD_GNTREF,
                assertThrows(GrantException.class, () -> guest.grants().endAccess(ref)).status(),
                "the granter handed it over and cannot end it again");
        // The kernel's deferred end leaves Xen's entry as it was: its grantee can still map it.
        GrantMapping again = guest.grants().map(dom0, ref, true);
        assertEquals(GrantStatus.PERMISSION_DENIED,
                assertThrows(GrantException.class, () -> guest.grants().map(other, ref, true)).status());
        int freeBefore = guest.grants().freeReferences();
        mapping.unmap();
        assertEquals(1, guest.grants().deferredGrants(), "the second mapping still holds it");
        again.unmap();
        assertEquals(0, guest.grants().deferredGrants());
        assertEquals(freeBefore + 1, guest.grants().freeReferences());
    }

    @Test
    void a_refused_end_leaves_the_grant_usable_as_it_was() throws Exception {
        int ref = guest.grants().grantAccess(0, page(), false);
        GrantMapping mapping = guest.grants().map(dom0, ref, false);
        assertFalse(guest.grants().endAccess(ref));
        guest.grants().copyToGrant(dom0, ByteBuffer.wrap(new byte[] {7}), ref, 0, 1);
        try (GrantMapping second = guest.grants().map(dom0, ref, true)) {
            assertEquals(7, second.page().get(0), "still granted, still the same page");
        }
        mapping.unmap();
        assertTrue(guest.grants().endAccess(ref));
    }

    @Test
    void table_runs_out_with_a_clear_error_and_refs_come_back() throws Exception {
        Set<Integer> refs = new HashSet<>();
        int capacity = 16 - Grants.GNTTAB_NR_RESERVED_ENTRIES;
        for (int i = 0; i < capacity; i++) {
            assertTrue(refs.add(guest.grants().grantAccess(0, page(), true)));
        }
        GrantException full = assertThrows(GrantException.class, () -> guest.grants().grantAccess(0, page(), true));
        assertEquals(GrantStatus.NO_SPACE, full.status());
        assertTrue(full.getMessage().contains("all 16 grant references are in use"), full.getMessage());
        int freed = refs.iterator().next();
        guest.grants().endAccess(freed);
        int reused = guest.grants().grantAccess(0, page(), true);
        assertEquals(freed, reused, "the only free reference");
    }

    @Test
    void freed_references_are_reused_last_so_stale_refs_fail() throws Exception {
        int first = guest.grants().grantAccess(0, page(), true);
        guest.grants().endAccess(first);
        int second = guest.grants().grantAccess(0, page(), true);
        assertNotEquals(first, second);
    }

    @Test
    void copies_check_bounds_and_move_bytes_both_ways() throws Exception {
        ByteBuffer page = page();
        int ref = guest.grants().grantAccess(0, page, false);
        byte[] data = {1, 2, 3, 4, 5};
        guest.grants().copyToGrant(dom0, ByteBuffer.wrap(data), ref, 4090, 5);
        byte[] back = new byte[5];
        page.get(4090, back);
        assertArrayEquals(data, back);
        ByteBuffer into = ByteBuffer.allocate(8);
        guest.grants().copyFromGrant(dom0, ref, 4090, into, 5);
        assertEquals(5, into.position());
        assertEquals(GrantStatus.BAD_COPY_ARG, assertThrows(GrantException.class,
                () -> guest.grants().copyFromGrant(dom0, ref, 4092, ByteBuffer.allocate(8), 5)).status());
        assertEquals(GrantStatus.BAD_COPY_ARG, assertThrows(GrantException.class,
                () -> guest.grants().copyToGrant(dom0, ByteBuffer.allocate(2), ref, 0, 5)).status());
        assertEquals(GrantStatus.BAD_COPY_ARG, assertThrows(GrantException.class,
                () -> guest.grants().copyFromGrant(dom0, ref, -1, ByteBuffer.allocate(8), 1)).status());
    }

    @Test
    void copies_to_and_from_arrays_check_bounds_grantee_and_access() throws Exception {
        ByteBuffer page = page();
        int ref = guest.grants().grantAccess(0, page, false);
        byte[] data = {9, 1, 2, 3, 4, 5, 9};
        guest.grants().copyToGrant(dom0, data, 1, ref, 4091, 5);
        byte[] back = new byte[7];
        guest.grants().copyFromGrant(dom0, ref, 4091, back, 2, 5);
        assertArrayEquals(new byte[] {0, 0, 1, 2, 3, 4, 5}, back);
        assertEquals(GrantStatus.BAD_COPY_ARG, assertThrows(GrantException.class,
                () -> guest.grants().copyFromGrant(dom0, ref, 4092, new byte[8], 0, 5)).status());
        assertEquals(GrantStatus.BAD_COPY_ARG, assertThrows(GrantException.class,
                () -> guest.grants().copyToGrant(dom0, new byte[4], 1, ref, 0, 4)).status());
        assertEquals(GrantStatus.BAD_COPY_ARG, assertThrows(GrantException.class,
                () -> guest.grants().copyFromGrant(dom0, ref, 0, new byte[4], -1, 2)).status());
        assertEquals(GrantStatus.PERMISSION_DENIED, assertThrows(GrantException.class,
                () -> guest.grants().copyFromGrant(other, ref, 0, new byte[4], 0, 4)).status());
        int readOnly = guest.grants().grantAccess(0, page(), true);
        assertEquals(GrantStatus.PERMISSION_DENIED, assertThrows(GrantException.class,
                () -> guest.grants().copyToGrant(dom0, new byte[4], 0, readOnly, 0, 4)).status());
    }

    @Test
    void a_batch_of_copies_checks_every_operation_on_its_own() throws Exception {
        ByteBuffer first = page();
        ByteBuffer second = page();
        int okay = guest.grants().grantAccess(0, first, false);
        int alsoOkay = guest.grants().grantAccess(0, second, false);
        int foreign = guest.grants().grantAccess(2, page(), false);
        int readOnly = guest.grants().grantAccess(0, page(), true);
        int revoked = guest.grants().grantAccess(0, page(), false);
        assertTrue(guest.grants().endAccess(revoked));
        GrantCopyBatch batch = new GrantCopyBatch(8, true);
        byte[] data = {1, 2, 3, 4, 5, 6};
        batch.add(okay, 10, data, 0, 3);
        batch.add(foreign, 0, data, 0, 3);
        batch.add(readOnly, 0, data, 0, 3);
        batch.add(revoked, 0, data, 0, 3);
        batch.add(okay, 4095, data, 0, 2); // crosses the page
        batch.add(alsoOkay, 4093, data, 3, 3);
        guest.grants().copy(dom0, batch);
        assertEquals(GrantStatus.OKAY, batch.status(0));
        assertEquals(GrantStatus.PERMISSION_DENIED, batch.status(1));
        assertEquals(GrantStatus.PERMISSION_DENIED, batch.status(2));
        assertEquals(GrantStatus.BAD_GNTREF, batch.status(3));
        assertEquals(GrantStatus.BAD_COPY_ARG, batch.status(4));
        assertEquals(GrantStatus.OKAY, batch.status(5));
        byte[] back = new byte[3];
        first.get(10, back);
        assertArrayEquals(new byte[] {1, 2, 3}, back);
        second.get(4093, back);
        assertArrayEquals(new byte[] {4, 5, 6}, back);
        assertEquals(0, first.get(4095), "a refused copy writes nothing");
        // Done with: nothing is held after the batch, so the grants end at once.
        assertTrue(guest.grants().endAccess(okay));
        assertTrue(guest.grants().endAccess(alsoOkay));

        batch.clear();
        GrantCopyBatch reads = new GrantCopyBatch(2, false);
        int source = guest.grants().grantAccess(0, second, true);
        byte[] into = new byte[4];
        reads.add(source, 4093, into, 1, 3);
        reads.add(okay, 0, into, 0, 1); // ended above
        guest.grants().copy(dom0, reads);
        assertEquals(GrantStatus.OKAY, reads.status(0));
        assertEquals(GrantStatus.BAD_GNTREF, reads.status(1));
        assertArrayEquals(new byte[] {0, 4, 5, 6}, into);
        assertThrows(IllegalStateException.class, () -> reads.add(source, 0, into, 0, 1));
    }

    @Test
    void grant_must_cover_one_page_and_name_a_regular_domain() {
        assertThrows(IllegalArgumentException.class,
                () -> guest.grants().grantAccess(0, ByteBuffer.allocateDirect(100), true));
        assertEquals(GrantStatus.BAD_DOMAIN,
                assertThrows(GrantException.class, () -> guest.grants().grantAccess(Grants.DOMID_SELF, page(), true))
                        .status());
    }

    @Test
    void destroying_the_granter_revokes_grants_but_keeps_live_mappings_readable() throws Exception {
        ByteBuffer page = page();
        page.put(0, (byte) 9);
        int mapped = guest.grants().grantAccess(0, page, false);
        int unmapped = guest.grants().grantAccess(0, page(), false);
        GrantMapping mapping = guest.grants().map(dom0, mapped, true);
        hypervisor.destroyDomain(1);
        assertEquals(9, mapping.page().get(0));
        assertEquals(GrantStatus.BAD_GNTREF,
                assertThrows(GrantException.class, () -> guest.grants().map(dom0, unmapped, true)).status());
        assertEquals(1, guest.grants().deferredGrants());
        mapping.unmap();
        assertEquals(0, guest.grants().deferredGrants());
        assertEquals(0, guest.grants().activeGrants());
    }
}
