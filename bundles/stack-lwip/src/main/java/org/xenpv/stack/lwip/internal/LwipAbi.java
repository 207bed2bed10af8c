package org.xenpv.stack.lwip.internal;

/**
 * The layout of lwIP's structures and the values of the constants its API
 * takes, as Debian's liblwip-dev headers (built for Linux with glibc's socket
 * headers) define them. LwipAbiConformanceTest compiles a C program against
 * those headers and checks every value here.
 */
final class LwipAbi {
    // struct netif
    static final int NETIF_SIZE = 400;
    static final int NETIF_OUTPUT = 288;
    static final int NETIF_LINKOUTPUT = 296;
    static final int NETIF_OUTPUT_IP6 = 304;
    static final int NETIF_MTU = 336;
    /** The IPv6 MTU (router advertisements may lower it): set with the MTU when a Nic is attached. */
    static final int NETIF_MTU6 = 338;
    static final int NETIF_HWADDR = 340;
    static final int NETIF_HWADDR_LEN = 346;
    static final int NETIF_FLAGS = 347;
    static final int NETIF_NAME = 348;
    static final int NETIF_NUM = 350;

    static final int NETIF_FLAG_BROADCAST = 0x02;
    static final int NETIF_FLAG_ETHARP = 0x08;
    static final int NETIF_FLAG_ETHERNET = 0x10;
    static final int NETIF_FLAG_IGMP = 0x20;
    static final int NETIF_FLAG_MLD6 = 0x40;

    // struct pbuf
    static final int PBUF_TOT_LEN = 16;
    static final int PBUF_RAW = 0;
    static final int PBUF_RAM = 0x280;

    // ip4_addr_t, as netif_add takes its addresses
    static final int IP4_ADDR_SIZE = 4;

    static final byte ERR_OK = 0;
    static final byte ERR_IF = -12;

    // glibc's socket API values, which Debian's lwIP is built with
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_RAW = 3;
    static final int IPPROTO_ICMP = 1;
    static final int IPPROTO_ICMPV6 = 58;
    static final int IPPROTO_TCP = 6;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int SO_ERROR = 4;
    static final int SO_BINDTODEVICE = 25;
    static final int TCP_NODELAY = 1;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int O_NONBLOCK = 0x800;
    static final short POLLIN = 0x1;
    static final short POLLOUT = 0x4;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;
    static final int SHUT_WR = 1;
    static final int SOCKADDR_IN_SIZE = 16;
    static final int SOCKADDR_IN6_SIZE = 28;
    /** struct ifreq, which SO_BINDTODEVICE takes: the interface's name comes first. */
    static final int IFREQ_SIZE = 40;
    /** struct pollfd: int fd, short events, short revents. */
    static final int POLLFD_SIZE = 8;

    // glibc's errno values, which lwIP's sockets set
    static final int EAGAIN = 11;
    static final int EINPROGRESS = 115;
    static final int EALREADY = 114;
    static final int EISCONN = 106;

    private LwipAbi() {
    }
}
