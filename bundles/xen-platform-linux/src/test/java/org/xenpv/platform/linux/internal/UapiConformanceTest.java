package org.xenpv.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.NativeProgram;

/**
 * Compiles a C program against the kernel's UAPI headers (<xen/privcmd.h>,
 * <xen/evtchn.h>, <xen/gntalloc.h>) and the C library's, and checks every
 * number the Java provider encodes against what it prints.
 */
class UapiConformanceTest {
    private static Map<String, Long> facts;

    @BeforeAll
    static void compile() throws Exception {
        NativeProgram.require("/usr/include/xen/xen.h", "libxen-dev");
        facts = NativeProgram.compile("uapi_facts", "/usr/include/xen/gntalloc.h", "linux-libc-dev",
                "-Isrc/test/c/include").facts();
    }

    private static Map<String, Long> expected() {
        Map<String, Long> java = new LinkedHashMap<>();
        java.put("IOCTL_PRIVCMD_HYPERCALL", LinuxUapi.IOCTL_PRIVCMD_HYPERCALL);
        java.put("sizeof privcmd_hypercall", (long) LinuxUapi.PRIVCMD_HYPERCALL_SIZE);
        java.put("offsetof privcmd_hypercall op", (long) LinuxUapi.PRIVCMD_HYPERCALL_OP);
        java.put("offsetof privcmd_hypercall arg", (long) LinuxUapi.PRIVCMD_HYPERCALL_ARG);
        java.put("elements privcmd_hypercall arg", (long) LinuxHypercallPort.MAX_ARGS);

        java.put("IOCTL_EVTCHN_BIND_INTERDOMAIN", LinuxUapi.IOCTL_EVTCHN_BIND_INTERDOMAIN);
        java.put("sizeof ioctl_evtchn_bind_interdomain", (long) LinuxUapi.EVTCHN_BIND_INTERDOMAIN_SIZE);
        java.put("offsetof ioctl_evtchn_bind_interdomain remote_domain",
                (long) LinuxUapi.EVTCHN_BIND_INTERDOMAIN_REMOTE_DOMAIN);
        java.put("offsetof ioctl_evtchn_bind_interdomain remote_port",
                (long) LinuxUapi.EVTCHN_BIND_INTERDOMAIN_REMOTE_PORT);
        java.put("IOCTL_EVTCHN_BIND_UNBOUND_PORT", LinuxUapi.IOCTL_EVTCHN_BIND_UNBOUND_PORT);
        java.put("sizeof ioctl_evtchn_bind_unbound_port", (long) LinuxUapi.EVTCHN_BIND_UNBOUND_PORT_SIZE);
        java.put("offsetof ioctl_evtchn_bind_unbound_port remote_domain", 0L);
        java.put("IOCTL_EVTCHN_UNBIND", LinuxUapi.IOCTL_EVTCHN_UNBIND);
        java.put("sizeof ioctl_evtchn_unbind", (long) LinuxUapi.EVTCHN_UNBIND_SIZE);
        java.put("offsetof ioctl_evtchn_unbind port", 0L);
        java.put("IOCTL_EVTCHN_NOTIFY", LinuxUapi.IOCTL_EVTCHN_NOTIFY);
        java.put("sizeof ioctl_evtchn_notify", (long) LinuxUapi.EVTCHN_NOTIFY_SIZE);
        java.put("offsetof ioctl_evtchn_notify port", 0L);
        java.put("sizeof evtchn port word", (long) LinuxUapi.EVTCHN_PORT_SIZE);

        java.put("IOCTL_GNTALLOC_ALLOC_GREF", LinuxUapi.IOCTL_GNTALLOC_ALLOC_GREF);
        java.put("sizeof ioctl_gntalloc_alloc_gref", (long) LinuxUapi.GNTALLOC_ALLOC_GREF_SIZE);
        java.put("offsetof ioctl_gntalloc_alloc_gref domid", (long) LinuxUapi.GNTALLOC_ALLOC_GREF_DOMID);
        java.put("offsetof ioctl_gntalloc_alloc_gref flags", (long) LinuxUapi.GNTALLOC_ALLOC_GREF_FLAGS);
        java.put("offsetof ioctl_gntalloc_alloc_gref count", (long) LinuxUapi.GNTALLOC_ALLOC_GREF_COUNT);
        java.put("offsetof ioctl_gntalloc_alloc_gref index", (long) LinuxUapi.GNTALLOC_ALLOC_GREF_INDEX);
        java.put("offsetof ioctl_gntalloc_alloc_gref gref_ids", (long) LinuxUapi.GNTALLOC_ALLOC_GREF_GREF_IDS);
        java.put("GNTALLOC_FLAG_WRITABLE", (long) LinuxUapi.GNTALLOC_FLAG_WRITABLE);
        java.put("IOCTL_GNTALLOC_DEALLOC_GREF", LinuxUapi.IOCTL_GNTALLOC_DEALLOC_GREF);
        java.put("sizeof ioctl_gntalloc_dealloc_gref", (long) LinuxUapi.GNTALLOC_DEALLOC_GREF_SIZE);
        java.put("offsetof ioctl_gntalloc_dealloc_gref index", (long) LinuxUapi.GNTALLOC_DEALLOC_GREF_INDEX);
        java.put("offsetof ioctl_gntalloc_dealloc_gref count", (long) LinuxUapi.GNTALLOC_DEALLOC_GREF_COUNT);
        java.put("IOCTL_GNTALLOC_SET_UNMAP_NOTIFY", LinuxUapi.IOCTL_GNTALLOC_SET_UNMAP_NOTIFY);
        java.put("sizeof ioctl_gntalloc_unmap_notify", (long) LinuxUapi.GNTALLOC_UNMAP_NOTIFY_SIZE);
        java.put("offsetof ioctl_gntalloc_unmap_notify index", (long) LinuxUapi.GNTALLOC_UNMAP_NOTIFY_INDEX);
        java.put("offsetof ioctl_gntalloc_unmap_notify action", (long) LinuxUapi.GNTALLOC_UNMAP_NOTIFY_ACTION);
        java.put("offsetof ioctl_gntalloc_unmap_notify event_channel_port",
                (long) LinuxUapi.GNTALLOC_UNMAP_NOTIFY_EVENT_CHANNEL_PORT);
        java.put("UNMAP_NOTIFY_CLEAR_BYTE", (long) LinuxUapi.UNMAP_NOTIFY_CLEAR_BYTE);
        java.put("UNMAP_NOTIFY_SEND_EVENT", (long) LinuxUapi.UNMAP_NOTIFY_SEND_EVENT);

        java.put("O_RDWR", (long) LinuxUapi.O_RDWR);
        java.put("O_NONBLOCK", (long) LinuxUapi.O_NONBLOCK);
        java.put("O_CLOEXEC", (long) LinuxUapi.O_CLOEXEC);
        java.put("PROT_READ", (long) LinuxUapi.PROT_READ);
        java.put("PROT_WRITE", (long) LinuxUapi.PROT_WRITE);
        java.put("MAP_SHARED", (long) LinuxUapi.MAP_SHARED);
        java.put("POLLIN", (long) LinuxUapi.POLLIN);
        java.put("sizeof pollfd", (long) LinuxUapi.POLLFD_SIZE);
        java.put("offsetof pollfd fd", (long) LinuxUapi.POLLFD_FD);
        java.put("offsetof pollfd events", (long) LinuxUapi.POLLFD_EVENTS);
        java.put("offsetof pollfd revents", (long) LinuxUapi.POLLFD_REVENTS);
        java.put("EFD_CLOEXEC", (long) LinuxUapi.EFD_CLOEXEC);
        java.put("EFD_NONBLOCK", (long) LinuxUapi.EFD_NONBLOCK);
        return java;
    }

    @Test
    void everyNumberTheProviderUsesMatchesTheHeaders() {
        Map<String, Long> java = expected();
        assertEquals(java.keySet(), facts.keySet(), "the C program and the test check the same facts");
        java.forEach((name, value) -> assertEquals(facts.get(name), value, name));
    }

    @Test
    void ioctlNumbersEncodeTheirArgumentSize() {
        // The kernel rejects an ioctl whose encoded size differs from its struct; check the encoding itself too.
        assertEquals(LinuxUapi.GNTALLOC_ALLOC_GREF_SIZE, (int) (LinuxUapi.IOCTL_GNTALLOC_ALLOC_GREF >> 16) & 0x3fff);
        assertEquals('G', (int) (LinuxUapi.IOCTL_GNTALLOC_ALLOC_GREF >> 8) & 0xff);
        assertTrue(facts.size() > 40, "the program printed " + facts.size() + " facts");
    }
}
