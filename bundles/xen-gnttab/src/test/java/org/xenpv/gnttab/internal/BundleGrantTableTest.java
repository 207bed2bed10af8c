package org.xenpv.gnttab.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.grant.GrantStatus;
import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.PoolPage;
import org.xenpv.gnttab.Revocation;
import org.xenpv.platform.spi.GrantAllocPort;
import org.xenpv.platform.spi.GrantAllocation;
import org.xenpv.platform.spi.GrantEnd;
import org.xenpv.platform.spi.PortException;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantException;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.ports.SimDevicePorts;

/** The grant table against the simulated hypervisor, with dom0 as the peer. */
class BundleGrantTableTest {
    private static final int GUEST = 3;

    private Domain dom0;
    private Domain guest;
    private SimDevicePorts ports;
    private GrantLedger ledger;
    private BundleGrantTable table;

    @BeforeEach
    void simulator() throws Exception {
        Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(8 + 20, 16));
        dom0 = hypervisor.createDomain(0, "Domain-0");
        guest = hypervisor.createDomain(GUEST, "guest");
        ports = new SimDevicePorts(guest, null);
        ledger = new GrantLedger();
        table = BundleGrantTable.forPort(ports.openGrantAllocPort(), ledger, "test.bundle");
    }

    @Test
    void granted_page_is_read_by_the_peer_with_its_content() throws Exception {
        GrantedPages pages = table.grant(0, 2, Access.READ_ONLY);
        pages.page(1).putInt(0, 0xcafef00d);
        try (GrantMapping mapping = guest.grants().map(dom0, pages.ref(1), true)) {
            assertEquals(0xcafef00d, mapping.page().getInt(0));
        }
        assertEquals(GrantStatus.PERMISSION_DENIED,
                assertThrows(GrantException.class, () -> guest.grants().map(dom0, pages.ref(1), false)).status());
        assertEquals(2, table.grantsOutstanding());
        assertEquals(Revocation.ENDED, pages.revoke());
        assertEquals(0, table.grantsOutstanding());
        assertEquals(0, guest.grants().activeGrants());
        assertThrows(IllegalStateException.class, pages::revoke);
    }

    @Test
    void writable_grant_lets_the_peer_write() throws Exception {
        GrantedPages pages = table.grant(0, 1, Access.WRITABLE);
        try (GrantMapping mapping = guest.grants().map(dom0, pages.ref(0), false)) {
            mapping.page().putLong(8, 42L);
        }
        assertEquals(42L, pages.page(0).getLong(8));
    }

    @Test
    void revoking_pages_the_peer_maps_is_deferred_and_they_stay_held_until_it_lets_go() throws Exception {
        GrantedPages pages = table.grant(0, 2, Access.WRITABLE);
        GrantMapping mapping = guest.grants().map(dom0, pages.ref(1), false);
        assertEquals(Revocation.DEFERRED, pages.revoke(), "Xen does not end a mapped grant");
        assertTrue(pages.isRevoked());
        assertEquals(2, table.pagesHeld(), "the allocation is held as a whole until all of it is let go");
        assertEquals(2, table.grantsOutstanding());
        assertEquals(1, guest.grants().activeGrants(), "the mapped page is still granted");
        assertTrue(pages.isHeld());
        mapping.page().putInt(0, 7); // the backend still writes; the page was not given to anyone else
        assertEquals(7, pages.page(1).getInt(0));
        mapping.unmap();
        assertEquals(0, table.pagesHeld(), "let go: its end is tried again at the next look");
        assertFalse(pages.isHeld());
        assertEquals(0, table.grantsOutstanding());
        assertEquals(0, guest.grants().activeGrants() + guest.grants().deferredGrants());
        assertThrows(IllegalStateException.class, pages::revoke);
    }

    @Test
    void held_pages_are_let_go_at_the_next_grant_too() throws Exception {
        GrantedPages pages = table.grant(0, 1, Access.WRITABLE);
        GrantMapping mapping = guest.grants().map(dom0, pages.ref(0), false);
        assertEquals(Revocation.DEFERRED, pages.revoke());
        mapping.unmap();
        assertEquals(1, guest.grants().activeGrants(), "nothing ends a grant but a try of its granter");
        table.grant(0, 1, Access.READ_ONLY);
        assertEquals(1, guest.grants().activeGrants(), "the held page ended before the new one was granted");
        assertFalse(pages.isHeld());
    }

    @Test
    void a_platform_that_cannot_tell_answers_unknown_and_counts_no_held_page() throws Exception {
        GrantAllocPort sim = ports.openGrantAllocPort();
        BundleGrantTable blind = BundleGrantTable.forPort(new GrantAllocPort() {
            @Override
            public GrantAllocation allocate(int domid, int pageCount, boolean writable) throws PortException {
                return sim.allocate(domid, pageCount, writable);
            }

            @Override
            public void setUnmapNotify(GrantAllocation allocation, long byteOffset, int actions, int eventPort)
                    throws PortException {
                sim.setUnmapNotify(allocation, byteOffset, actions, eventPort);
            }

            @Override
            public GrantEnd deallocate(GrantAllocation allocation) throws PortException {
                sim.deallocate(allocation);
                return GrantEnd.UNKNOWN; // what Linux's gntalloc lets user space know
            }

            @Override
            public GrantEnd endDeferred(GrantAllocation allocation) throws PortException {
                throw new PortException("test", "end deferred", org.xenpv.platform.spi.Errno.EINVAL, "never deferred");
            }

            @Override
            public void close() {
                sim.close();
            }
        }, ledger, "blind.bundle");
        GrantedPages pages = blind.grant(0, 1, Access.WRITABLE);
        GrantMapping mapping = guest.grants().map(dom0, pages.ref(0), false);
        assertEquals(Revocation.UNKNOWN, pages.revoke());
        assertFalse(pages.isHeld());
        assertEquals(0, blind.pagesHeld());
        assertEquals(0, blind.grantsOutstanding());
        assertEquals(1L, ledger.revocationsUnknown());
        assertEquals(0L, ledger.revocationsDeferred());
        mapping.unmap();
        blind.deactivate();
    }

    @Test
    void the_management_view_counts_pages_by_bundle_and_deferred_revocations() throws Exception {
        javax.management.MBeanServer server = javax.management.MBeanServerFactory.newMBeanServer();
        javax.management.ObjectName name = new javax.management.ObjectName("org.xenpv:type=GrantTable");
        // Aries JMX whiteboard (Karaf's management feature) registers a service as an MXBean only when it
        // implements <its class name>MXBean; the object itself goes to the MBean server, as here.
        assertEquals(GrantTableManagement.class.getName() + "MXBean",
                GrantTableManagementMXBean.class.getName());
        server.registerMBean(new GrantTableManagement(ledger), name);
        GrantedPages pages = table.grant(0, 3, Access.WRITABLE);
        assertEquals(3, server.getAttribute(name, "GrantsOutstanding"));
        javax.management.openmbean.TabularData byBundle =
                (javax.management.openmbean.TabularData) server.getAttribute(name, "GrantsByBundle");
        assertEquals(3, byBundle.get(new Object[] {"test.bundle"}).get("value"));
        assertEquals(0L, server.getAttribute(name, "RevocationsDeferred"));
        assertEquals(0, server.getAttribute(name, "PagesHeld"));
        GrantMapping mapping = guest.grants().map(dom0, pages.ref(0), false);
        assertEquals(Revocation.DEFERRED, pages.revoke());
        assertEquals(1L, server.getAttribute(name, "RevocationsDeferred"));
        assertEquals(3, server.getAttribute(name, "PagesHeld"));
        assertEquals(3, server.getAttribute(name, "GrantsOutstanding"));
        assertEquals(0L, server.getAttribute(name, "RevocationsUnknown"));
        mapping.unmap();
        assertEquals(0, server.getAttribute(name, "PagesHeld"));
        assertEquals(0, server.getAttribute(name, "GrantsOutstanding"));
    }

    @Test
    void bad_requests_fail_clearly() {
        assertThrows(IllegalArgumentException.class, () -> table.grant(0x7ff0, 1, Access.READ_ONLY));
        assertThrows(IllegalArgumentException.class, () -> table.grant(0, 0, Access.READ_ONLY));
        assertThrows(IllegalArgumentException.class, () -> table.grant(0, 1, null));
    }

    @Test
    void running_out_of_references_names_the_cause_and_leaks_nothing() throws Exception {
        table.grant(0, 15, Access.READ_ONLY);
        IOException full = assertThrows(IOException.class, () -> table.grant(0, 10, Access.READ_ONLY));
        assertTrue(full instanceof PortException);
        assertTrue(full.getMessage().contains("ENOSPC"), full.getMessage());
        assertEquals(15, table.grantsOutstanding());
        assertEquals(15, guest.grants().activeGrants());
    }

    @Test
    void pool_hands_out_each_page_once_until_released() throws Exception {
        PagePool pool = table.createPool(0, 4, Access.READ_ONLY);
        List<PoolPage> taken = new ArrayList<>();
        Set<Integer> refs = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            PoolPage page = pool.acquire();
            assertNotNull(page);
            taken.add(page);
            assertTrue(refs.add(page.ref()));
        }
        assertNull(pool.acquire(), "an empty pool answers null");
        assertEquals(0, pool.available());
        PoolPage first = taken.get(0);
        first.buffer().position(100);
        pool.release(first);
        assertThrows(IllegalArgumentException.class, () -> pool.release(first), "double release");
        PoolPage again = pool.acquire();
        assertEquals(first.index(), again.index());
        assertEquals(0, again.buffer().position(), "an acquired page starts clean");
        assertEquals(4, table.grantsOutstanding());
        PagePool other = table.createPool(0, 1, Access.READ_ONLY);
        assertThrows(IllegalArgumentException.class, () -> other.release(again));
        pool.close();
        assertNull(pool.acquire(), "a closed pool hands out nothing");
        assertEquals(1, table.grantsOutstanding());
    }

    @Test
    void a_revoked_pool_whose_pages_the_peer_maps_hands_out_nothing_and_takes_nothing_back() throws Exception {
        PagePool pool = table.createPool(0, 3, Access.WRITABLE);
        PoolPage kept = pool.acquire();
        PoolPage mapped = pool.acquire();
        GrantMapping mapping = guest.grants().map(dom0, mapped.ref(), false);
        assertEquals(Revocation.DEFERRED, pool.revoke());
        assertTrue(pool.isHeld());
        assertEquals(3, table.pagesHeld());
        assertNull(pool.acquire(), "no page of a revoked pool is handed out again");
        assertEquals(0, pool.available());
        pool.release(kept);
        pool.release(mapped);
        assertNull(pool.acquire(), "released after the revocation: back to no free list");
        assertThrows(IllegalStateException.class, pool::revoke);
        pool.close(); // already revoked: nothing to do
        mapping.unmap();
        assertFalse(pool.isHeld());
        assertEquals(0, table.grantsOutstanding());
    }

    @Test
    void a_bundle_letting_go_while_pages_are_held_leaves_them_accounted_until_the_peer_lets_go() throws Exception {
        GrantedPages pages = table.grant(0, 2, Access.WRITABLE);
        table.grant(0, 1, Access.READ_ONLY);
        GrantMapping mapping = guest.grants().map(dom0, pages.ref(0), false);
        table.deactivate();
        assertEquals(2, ledger.pagesHeld());
        assertEquals(Map.of("test.bundle", 2), ledger.grantsByBundle());
        assertEquals(1, ports.openPorts(), "the device stays open to end the held grants");
        mapping.unmap();
        assertEquals(0, ledger.pagesHeld());
        assertTrue(ledger.grantsByBundle().isEmpty());
        assertEquals(0, ports.openPorts());
        assertEquals(0, guest.grants().activeGrants() + guest.grants().deferredGrants());
    }

    @Test
    void the_grant_table_stopping_hands_held_pages_to_the_kernel() throws Exception {
        GrantedPages pages = table.grant(0, 1, Access.WRITABLE);
        GrantMapping mapping = guest.grants().map(dom0, pages.ref(0), false);
        table.deactivate();
        ledger.deactivate();
        assertEquals(0, ports.openPorts());
        assertEquals(1, guest.grants().deferredGrants(), "the kernel ends it once the peer lets go");
        mapping.unmap();
        assertEquals(0, guest.grants().deferredGrants() + guest.grants().activeGrants());
    }

    @Test
    void pool_page_is_shared_with_the_peer_by_reference() throws Exception {
        PagePool pool = table.createPool(0, 2, Access.READ_ONLY);
        PoolPage page = pool.acquire();
        page.buffer().put(new byte[] {1, 2, 3});
        try (GrantMapping mapping = guest.grants().map(dom0, page.ref(), true)) {
            assertEquals(3, mapping.page().get(2));
        }
    }

    @Test
    void letting_go_of_the_service_revokes_everything_and_the_ledger_forgets_it() throws Exception {
        table.grant(0, 2, Access.WRITABLE);
        table.createPool(0, 3, Access.READ_ONLY);
        assertEquals(Map.of("test.bundle", 5), ledger.grantsByBundle());
        assertEquals(5, ledger.grantsOutstanding());
        table.deactivate();
        assertEquals(0, guest.grants().activeGrants());
        assertEquals(0, ledger.grantsOutstanding());
        assertTrue(ledger.grantsByBundle().isEmpty());
        assertEquals(0, ports.openPorts(), "the grant device was closed");
    }
}
