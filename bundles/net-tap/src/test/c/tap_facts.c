/* Prints the Linux numbers the TAP code encodes, from the kernel's and the C library's headers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>

#define FACT(name, value) printf("%s %lld\n", name, (long long) (value))

int main(void) {
    FACT("O_RDWR", O_RDWR);
    FACT("O_NONBLOCK", O_NONBLOCK);
    FACT("O_CLOEXEC", O_CLOEXEC);
    FACT("EFD_NONBLOCK", EFD_NONBLOCK);
    FACT("EFD_CLOEXEC", EFD_CLOEXEC);
    FACT("POLLIN", POLLIN);
    FACT("sizeof pollfd", sizeof(struct pollfd));
    FACT("offsetof pollfd fd", offsetof(struct pollfd, fd));
    FACT("offsetof pollfd events", offsetof(struct pollfd, events));
    FACT("offsetof pollfd revents", offsetof(struct pollfd, revents));
    FACT("AF_INET", AF_INET);
    FACT("SOCK_DGRAM", SOCK_DGRAM);
    FACT("SOCK_CLOEXEC", SOCK_CLOEXEC);
    FACT("sizeof iovec", sizeof(struct iovec));
    FACT("EPERM", EPERM);
    FACT("ENOENT", ENOENT);
    FACT("EINTR", EINTR);
    FACT("EIO", EIO);
    FACT("EAGAIN", EAGAIN);
    FACT("EACCES", EACCES);
    FACT("EBUSY", EBUSY);
    FACT("ENODEV", ENODEV);
    FACT("EINVAL", EINVAL);
    FACT("TUNSETIFF", TUNSETIFF);
    FACT("TUNSETOFFLOAD", TUNSETOFFLOAD);
    FACT("TUNSETVNETHDRSZ", TUNSETVNETHDRSZ);
    FACT("TUNSETCARRIER", TUNSETCARRIER);
    FACT("IFF_TAP", IFF_TAP);
    FACT("IFF_NO_PI", IFF_NO_PI);
    FACT("IFF_VNET_HDR", IFF_VNET_HDR);
    FACT("TUN_F_CSUM", TUN_F_CSUM);
    FACT("TUN_F_TSO4", TUN_F_TSO4);
    FACT("TUN_F_TSO6", TUN_F_TSO6);
    FACT("SIOCGIFFLAGS", SIOCGIFFLAGS);
    FACT("SIOCSIFFLAGS", SIOCSIFFLAGS);
    FACT("SIOCSIFMTU", SIOCSIFMTU);
    FACT("SIOCSIFHWADDR", SIOCSIFHWADDR);
    FACT("SIOCGIFINDEX", SIOCGIFINDEX);
    FACT("SIOCBRADDIF", SIOCBRADDIF);
    FACT("IFNAMSIZ", IFNAMSIZ);
    FACT("sizeof ifreq", sizeof(struct ifreq));
    FACT("offsetof ifreq ifr_flags", offsetof(struct ifreq, ifr_flags));
    FACT("offsetof ifreq ifr_mtu", offsetof(struct ifreq, ifr_mtu));
    FACT("offsetof ifreq ifr_ifindex", offsetof(struct ifreq, ifr_ifindex));
    FACT("offsetof ifreq ifr_hwaddr", offsetof(struct ifreq, ifr_hwaddr));
    FACT("IFF_UP", IFF_UP);
    FACT("ARPHRD_ETHER", ARPHRD_ETHER);
    FACT("sizeof virtio_net_hdr", sizeof(struct virtio_net_hdr));
    FACT("offsetof virtio_net_hdr flags", offsetof(struct virtio_net_hdr, flags));
    FACT("offsetof virtio_net_hdr gso_type", offsetof(struct virtio_net_hdr, gso_type));
    FACT("offsetof virtio_net_hdr hdr_len", offsetof(struct virtio_net_hdr, hdr_len));
    FACT("offsetof virtio_net_hdr gso_size", offsetof(struct virtio_net_hdr, gso_size));
    FACT("offsetof virtio_net_hdr csum_start", offsetof(struct virtio_net_hdr, csum_start));
    FACT("offsetof virtio_net_hdr csum_offset", offsetof(struct virtio_net_hdr, csum_offset));
    FACT("VIRTIO_NET_HDR_F_NEEDS_CSUM", VIRTIO_NET_HDR_F_NEEDS_CSUM);
    FACT("VIRTIO_NET_HDR_F_DATA_VALID", VIRTIO_NET_HDR_F_DATA_VALID);
    FACT("VIRTIO_NET_HDR_GSO_NONE", VIRTIO_NET_HDR_GSO_NONE);
    FACT("VIRTIO_NET_HDR_GSO_TCPV4", VIRTIO_NET_HDR_GSO_TCPV4);
    FACT("VIRTIO_NET_HDR_GSO_UDP", VIRTIO_NET_HDR_GSO_UDP);
    FACT("VIRTIO_NET_HDR_GSO_TCPV6", VIRTIO_NET_HDR_GSO_TCPV6);
    FACT("VIRTIO_NET_HDR_GSO_ECN", VIRTIO_NET_HDR_GSO_ECN);
    return 0;
}
