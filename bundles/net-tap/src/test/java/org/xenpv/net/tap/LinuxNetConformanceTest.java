package org.xenpv.net.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.xenpv.abi.NativeProgram;
import org.xenpv.net.tap.internal.LinuxNet;

/**
 * Compiles a C program against the kernel's UAPI headers (<linux/if_tun.h>,
 * <linux/virtio_net.h>, <linux/sockios.h>) and the C library's, and checks
 * every number the TAP code encodes against what it prints.
 */
class LinuxNetConformanceTest {
    @Test
    void everyNumberMatchesTheHeaders() throws Exception {
        Map<String, Long> facts = NativeProgram.compile("tap_facts", "/usr/include/linux/if_tun.h",
                "linux-libc-dev").facts();
        Map<String, Long> java = new LinkedHashMap<>();
        java.put("O_RDWR", (long) LinuxNet.O_RDWR);
        java.put("O_NONBLOCK", (long) LinuxNet.O_NONBLOCK);
        java.put("O_CLOEXEC", (long) LinuxNet.O_CLOEXEC);
        java.put("EFD_NONBLOCK", (long) LinuxNet.EFD_NONBLOCK);
        java.put("EFD_CLOEXEC", (long) LinuxNet.EFD_CLOEXEC);
        java.put("POLLIN", (long) LinuxNet.POLLIN);
        java.put("sizeof pollfd", (long) LinuxNet.POLLFD_SIZE);
        java.put("offsetof pollfd fd", (long) LinuxNet.POLLFD_FD);
        java.put("offsetof pollfd events", (long) LinuxNet.POLLFD_EVENTS);
        java.put("offsetof pollfd revents", (long) LinuxNet.POLLFD_REVENTS);
        java.put("AF_INET", (long) LinuxNet.AF_INET);
        java.put("SOCK_DGRAM", (long) LinuxNet.SOCK_DGRAM);
        java.put("SOCK_CLOEXEC", (long) LinuxNet.SOCK_CLOEXEC);
        java.put("sizeof iovec", (long) LinuxNet.IOVEC_SIZE);
        java.put("EPERM", (long) LinuxNet.EPERM);
        java.put("ENOENT", (long) LinuxNet.ENOENT);
        java.put("EINTR", (long) LinuxNet.EINTR);
        java.put("EIO", (long) LinuxNet.EIO);
        java.put("EAGAIN", (long) LinuxNet.EAGAIN);
        java.put("EACCES", (long) LinuxNet.EACCES);
        java.put("EBUSY", (long) LinuxNet.EBUSY);
        java.put("ENODEV", (long) LinuxNet.ENODEV);
        java.put("EINVAL", (long) LinuxNet.EINVAL);
        java.put("TUNSETIFF", LinuxNet.TUNSETIFF);
        java.put("TUNSETOFFLOAD", LinuxNet.TUNSETOFFLOAD);
        java.put("TUNSETVNETHDRSZ", LinuxNet.TUNSETVNETHDRSZ);
        java.put("TUNSETCARRIER", LinuxNet.TUNSETCARRIER);
        java.put("IFF_TAP", (long) LinuxNet.IFF_TAP);
        java.put("IFF_NO_PI", (long) LinuxNet.IFF_NO_PI);
        java.put("IFF_VNET_HDR", (long) LinuxNet.IFF_VNET_HDR);
        java.put("TUN_F_CSUM", (long) LinuxNet.TUN_F_CSUM);
        java.put("TUN_F_TSO4", (long) LinuxNet.TUN_F_TSO4);
        java.put("TUN_F_TSO6", (long) LinuxNet.TUN_F_TSO6);
        java.put("SIOCGIFFLAGS", LinuxNet.SIOCGIFFLAGS);
        java.put("SIOCSIFFLAGS", LinuxNet.SIOCSIFFLAGS);
        java.put("SIOCSIFMTU", LinuxNet.SIOCSIFMTU);
        java.put("SIOCSIFHWADDR", LinuxNet.SIOCSIFHWADDR);
        java.put("SIOCGIFINDEX", LinuxNet.SIOCGIFINDEX);
        java.put("SIOCBRADDIF", LinuxNet.SIOCBRADDIF);
        java.put("IFNAMSIZ", (long) LinuxNet.IFNAMSIZ);
        java.put("sizeof ifreq", (long) LinuxNet.IFREQ_SIZE);
        java.put("offsetof ifreq ifr_flags", (long) LinuxNet.IFREQ_UNION);
        java.put("offsetof ifreq ifr_mtu", (long) LinuxNet.IFREQ_UNION);
        java.put("offsetof ifreq ifr_ifindex", (long) LinuxNet.IFREQ_UNION);
        java.put("offsetof ifreq ifr_hwaddr", (long) LinuxNet.IFREQ_UNION);
        java.put("IFF_UP", (long) LinuxNet.IFF_UP);
        java.put("ARPHRD_ETHER", (long) LinuxNet.ARPHRD_ETHER);
        java.put("sizeof virtio_net_hdr", (long) VirtioNetHeader.SIZE);
        java.put("offsetof virtio_net_hdr flags", (long) VirtioNetHeader.FLAGS);
        java.put("offsetof virtio_net_hdr gso_type", (long) VirtioNetHeader.GSO_TYPE);
        java.put("offsetof virtio_net_hdr hdr_len", (long) VirtioNetHeader.HDR_LEN);
        java.put("offsetof virtio_net_hdr gso_size", (long) VirtioNetHeader.GSO_SIZE);
        java.put("offsetof virtio_net_hdr csum_start", (long) VirtioNetHeader.CSUM_START);
        java.put("offsetof virtio_net_hdr csum_offset", (long) VirtioNetHeader.CSUM_OFFSET);
        java.put("VIRTIO_NET_HDR_F_NEEDS_CSUM", (long) VirtioNetHeader.F_NEEDS_CSUM);
        java.put("VIRTIO_NET_HDR_F_DATA_VALID", (long) VirtioNetHeader.F_DATA_VALID);
        java.put("VIRTIO_NET_HDR_GSO_NONE", (long) VirtioNetHeader.GSO_NONE);
        java.put("VIRTIO_NET_HDR_GSO_TCPV4", (long) VirtioNetHeader.GSO_TCPV4);
        java.put("VIRTIO_NET_HDR_GSO_UDP", (long) VirtioNetHeader.GSO_UDP);
        java.put("VIRTIO_NET_HDR_GSO_TCPV6", (long) VirtioNetHeader.GSO_TCPV6);
        java.put("VIRTIO_NET_HDR_GSO_ECN", (long) VirtioNetHeader.GSO_ECN);
        assertEquals(facts.keySet(), java.keySet(), "the C program and the Java side check the same facts");
        java.forEach((name, value) -> assertEquals(facts.get(name), value, name));
    }
}
