package org.xenpv.gnttab.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.gnttab.Revocation;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.ports.SimDevicePorts;

/** The grant table without OSGi, as the simulated host and the real-Xen probe use it. */
class StandaloneGrantTableTest {

    @Test
    void grantsWorkAndCloseRevokesWhatIsLeftAndClosesThePort() throws Exception {
        Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(64, 16));
        Domain dom0 = hypervisor.createDomain(0, "Domain-0");
        Domain guest = hypervisor.createDomain(5, "guest");
        SimDevicePorts ports = new SimDevicePorts(guest, null);
        StandaloneGrantTable table = StandaloneGrantTable.open(ports.openGrantAllocPort(), "test");

        GrantedPages pages = table.grant(0, 2, Access.WRITABLE);
        table.createPool(0, 3, Access.READ_ONLY);
        try (GrantMapping mapping = guest.grants().map(dom0, pages.ref(1), false)) {
            mapping.page().putInt(0, 0x5ca1ab1e);
        }
        assertEquals(0x5ca1ab1e, pages.page(1).getInt(0), "dom0 wrote through the grant");
        assertEquals(5, table.grantsOutstanding());
        assertEquals(1, ports.openPorts());

        table.close();

        assertEquals(0, table.grantsOutstanding());
        assertEquals(0, guest.grants().activeGrants(), "the pool and the pages left granted were revoked");
        assertEquals(0, ports.openPorts(), "the grant-allocation port is closed");
    }

    @Test
    void closeHandsPagesStillHeldToTheKernelWhichEndsThemWhenThePeerLetsGo() throws Exception {
        Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(64, 16));
        Domain dom0 = hypervisor.createDomain(0, "Domain-0");
        Domain guest = hypervisor.createDomain(5, "guest");
        SimDevicePorts ports = new SimDevicePorts(guest, null);
        StandaloneGrantTable table = StandaloneGrantTable.open(ports.openGrantAllocPort(), "test");
        GrantedPages pages = table.grant(0, 1, Access.WRITABLE);
        GrantMapping mapping = guest.grants().map(dom0, pages.ref(0), false);
        assertEquals(Revocation.DEFERRED, pages.revoke());
        assertEquals(1, table.pagesHeld());

        table.close();

        assertEquals(0, ports.openPorts());
        assertEquals(1, guest.grants().deferredGrants(), "still granted: the peer maps it");
        mapping.unmap();
        assertEquals(0, guest.grants().deferredGrants() + guest.grants().activeGrants());
    }
}
