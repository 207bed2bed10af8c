package org.xenpv.sim.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.hypercall.Hypercalls;
import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.EventChannelPort;
import org.xenpv.platform.spi.GrantAllocPort;
import org.xenpv.platform.spi.GrantAllocation;
import org.xenpv.platform.spi.GrantEnd;
import org.xenpv.platform.spi.HypercallPort;
import org.xenpv.platform.spi.PortException;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorLimits;

class SimPortsTest {
    private Domain dom0;
    private Domain guest;
    private SimDevicePorts ports;
    private final List<Integer> dom0Events = new ArrayList<>();

    @BeforeEach
    void simulator() throws Exception {
        Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(12, 16));
        dom0 = hypervisor.createDomain(0, "Domain-0");
        guest = hypervisor.createDomain(5, "guest");
        ports = new SimDevicePorts(guest, null);
    }

    @Test
    void xen_version_hypercall_answers_and_others_are_enosys() throws Exception {
        try (HypercallPort privcmd = ports.openHypercallPort()) {
            assertEquals(4 << 16 | 17, privcmd.hypercall(Hypercalls.HYPERVISOR_XEN_VERSION, Hypercalls.XENVER_VERSION));
            PortException e = assertThrows(PortException.class, () -> privcmd.hypercall(29, 0));
            assertEquals(Errno.ENOSYS.number(), e.errno());
        }
    }

    @Test
    void fired_port_is_masked_until_unmasked_then_refires_if_pending() throws Exception {
        try (EventChannelPort evtchn = ports.openEventChannelPort()) {
            int port = evtchn.bindUnbound(0);
            int dom0Port = dom0.events().bindInterdomain(5, port, dom0Events::add);
            int[] fired = new int[4];
            assertEquals(0, evtchn.awaitPending(fired, 0), "nothing fired yet");
            dom0.events().send(dom0Port);
            dom0.events().send(dom0Port);
            assertEquals(1, evtchn.awaitPending(fired, 1000));
            assertEquals(port, fired[0]);
            assertEquals(0, evtchn.awaitPending(fired, 0), "masked: the second event waits");
            evtchn.unmask(fired, 1);
            assertEquals(1, evtchn.awaitPending(fired, 1000), "the event sent while masked fires on unmask");
            evtchn.unmask(fired, 1);
            assertEquals(0, evtchn.awaitPending(fired, 0));
            evtchn.notify(port);
            assertEquals(List.of(dom0Port), dom0Events);
        }
    }

    @Test
    void close_wakes_a_waiter_and_unbinds_everything() throws Exception {
        EventChannelPort evtchn = ports.openEventChannelPort();
        int port = evtchn.bindUnbound(0);
        CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return evtchn.awaitPending(new int[1], TimeUnit.MINUTES.toMillis(5));
            } catch (PortException e) {
                throw new IllegalStateException(e);
            }
        });
        evtchn.close();
        assertEquals(0, waiter.get(10, TimeUnit.SECONDS));
        assertEquals(0, guest.events().openPorts());
        assertEquals(0, ports.openPorts());
        assertEquals(Errno.EBADF.number(), assertThrows(PortException.class, () -> evtchn.notify(port)).errno());
    }

    @Test
    void ports_of_another_opened_device_are_not_usable() throws Exception {
        try (EventChannelPort mine = ports.openEventChannelPort(); EventChannelPort theirs = ports.openEventChannelPort()) {
            int port = theirs.bindUnbound(0);
            assertEquals(Errno.ENOTCONN.number(), assertThrows(PortException.class, () -> mine.notify(port)).errno());
            assertEquals(Errno.ENOTCONN.number(), assertThrows(PortException.class, () -> mine.unbind(port)).errno());
            PortException bad = assertThrows(PortException.class, () -> mine.bindInterdomain(0, 999));
            assertEquals(Errno.EINVAL.number(), bad.errno());
            assertTrue(bad.getMessage().startsWith("sim:evtchn: IOCTL_EVTCHN_BIND_INTERDOMAIN failed: EINVAL"),
                    bad.getMessage());
        }
    }

    @Test
    void granted_pages_are_shared_with_the_grantee_and_ended_on_deallocate() throws Exception {
        try (GrantAllocPort gntalloc = ports.openGrantAllocPort()) {
            GrantAllocation allocation = gntalloc.allocate(0, 2, true);
            assertEquals(2, guest.grants().activeGrants());
            allocation.pages().put(4096 + 7, (byte) 42);
            try (GrantMapping mapping = guest.grants().map(dom0, allocation.ref(1), false)) {
                assertEquals(42, mapping.page().get(7));
            }
            assertEquals(GrantEnd.ENDED, gntalloc.deallocate(allocation));
            assertEquals(0, guest.grants().activeGrants());
            assertEquals(Errno.EINVAL.number(),
                    assertThrows(PortException.class, () -> gntalloc.deallocate(allocation)).errno());
        }
    }

    @Test
    void deallocate_while_the_peer_maps_is_deferred_until_an_end_after_the_unmap() throws Exception {
        try (GrantAllocPort gntalloc = ports.openGrantAllocPort()) {
            GrantAllocation allocation = gntalloc.allocate(0, 2, true);
            GrantMapping mapping = guest.grants().map(dom0, allocation.ref(1), false);
            assertEquals(GrantEnd.DEFERRED, gntalloc.deallocate(allocation));
            assertEquals(1, guest.grants().activeGrants(), "the unmapped page ended, the mapped one stands");
            assertEquals(GrantEnd.DEFERRED, gntalloc.endDeferred(allocation), "still mapped");
            // As on Xen, the entry still permits its grantee: a second mapping is possible, and holds it too.
            GrantMapping again = guest.grants().map(dom0, allocation.ref(1), true);
            mapping.unmap();
            assertEquals(GrantEnd.DEFERRED, gntalloc.endDeferred(allocation));
            again.unmap();
            assertEquals(1, guest.grants().activeGrants(), "nothing ends a grant but its granter's end");
            assertEquals(GrantEnd.ENDED, gntalloc.endDeferred(allocation));
            assertEquals(0, guest.grants().activeGrants());
            assertEquals(Errno.EINVAL.number(),
                    assertThrows(PortException.class, () -> gntalloc.endDeferred(allocation)).errno());
        }
    }

    @Test
    void closing_the_device_hands_deferred_grants_to_the_kernel_which_ends_them_on_unmap() throws Exception {
        GrantAllocPort gntalloc = ports.openGrantAllocPort();
        GrantAllocation deallocated = gntalloc.allocate(0, 1, true);
        GrantAllocation open = gntalloc.allocate(0, 1, true);
        GrantMapping first = guest.grants().map(dom0, deallocated.ref(0), false);
        GrantMapping second = guest.grants().map(dom0, open.ref(0), false);
        assertEquals(GrantEnd.DEFERRED, gntalloc.deallocate(deallocated));
        gntalloc.close();
        assertEquals(2, guest.grants().deferredGrants());
        first.unmap();
        second.unmap();
        assertEquals(0, guest.grants().deferredGrants() + guest.grants().activeGrants());
        assertEquals(0, ports.openPorts());
    }

    @Test
    void unmap_notify_clears_the_byte_and_sends_the_event() throws Exception {
        try (GrantAllocPort gntalloc = ports.openGrantAllocPort(); EventChannelPort evtchn = ports.openEventChannelPort()) {
            int port = evtchn.bindUnbound(0);
            int dom0Port = dom0.events().bindInterdomain(5, port, dom0Events::add);
            GrantAllocation allocation = gntalloc.allocate(0, 1, true);
            GrantMapping mapping = guest.grants().map(dom0, allocation.ref(0), true);
            allocation.pages().put(10, (byte) 1);
            gntalloc.setUnmapNotify(allocation, 10, GrantAllocPort.UNMAP_NOTIFY_CLEAR_BYTE
                    | GrantAllocPort.UNMAP_NOTIFY_SEND_EVENT, port);
            gntalloc.close();
            assertEquals(0, mapping.page().get(10), "the peer sees the byte cleared");
            assertEquals(List.of(dom0Port), dom0Events);
            mapping.unmap();
            assertEquals(0, guest.grants().activeGrants() + guest.grants().deferredGrants());
        }
    }

    @Test
    void running_out_of_grant_references_unwinds_and_says_enospc() throws Exception {
        try (GrantAllocPort gntalloc = ports.openGrantAllocPort()) {
            GrantAllocation first = gntalloc.allocate(0, 3, false);
            PortException full = assertThrows(PortException.class, () -> gntalloc.allocate(0, 2, false));
            assertEquals(Errno.ENOSPC.number(), full.errno());
            assertEquals(3, guest.grants().activeGrants(), "the partial second allocation was ended");
            assertEquals(Errno.EINVAL.number(),
                    assertThrows(PortException.class, () -> gntalloc.allocate(0, 0, false)).errno());
            gntalloc.deallocate(first);
        }
        assertEquals(0, ports.openPorts());
    }

    @Test
    void closing_the_guest_ports_releases_all() throws Exception {
        GrantAllocPort gntalloc = ports.openGrantAllocPort();
        gntalloc.allocate(0, 2, true);
        EventChannelPort evtchn = ports.openEventChannelPort();
        evtchn.bindUnbound(0);
        assertEquals(2, ports.openPorts());
        ports.closeAll();
        assertEquals(0, ports.openPorts());
        assertEquals(0, guest.grants().activeGrants());
        assertEquals(0, guest.events().openPorts());
    }
}
