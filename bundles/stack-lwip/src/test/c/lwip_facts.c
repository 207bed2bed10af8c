/*
 * Prints, as NAME=value lines, the layout of the lwIP structures and the
 * values of the constants that LwipAbi (Java) hard-codes, as Debian's
 * liblwip-dev headers define them. LwipAbiConformanceTest compares the two.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>

#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sockets.h"

#define FACT(name, value) printf("%s=%ld\n", name, (long) (value))

int main(void)
{
    FACT("NETIF_SIZE", sizeof(struct netif));
    FACT("NETIF_OUTPUT", offsetof(struct netif, output));
    FACT("NETIF_LINKOUTPUT", offsetof(struct netif, linkoutput));
    FACT("NETIF_OUTPUT_IP6", offsetof(struct netif, output_ip6));
    FACT("NETIF_MTU", offsetof(struct netif, mtu));
    FACT("NETIF_MTU6", offsetof(struct netif, mtu6));
    FACT("NETIF_HWADDR", offsetof(struct netif, hwaddr));
    FACT("NETIF_HWADDR_LEN", offsetof(struct netif, hwaddr_len));
    FACT("NETIF_FLAGS", offsetof(struct netif, flags));
    FACT("NETIF_NAME", offsetof(struct netif, name));
    FACT("NETIF_NUM", offsetof(struct netif, num));
    FACT("NETIF_FLAG_BROADCAST", NETIF_FLAG_BROADCAST);
    FACT("NETIF_FLAG_ETHARP", NETIF_FLAG_ETHARP);
    FACT("NETIF_FLAG_ETHERNET", NETIF_FLAG_ETHERNET);
    FACT("NETIF_FLAG_IGMP", NETIF_FLAG_IGMP);
    FACT("NETIF_FLAG_MLD6", NETIF_FLAG_MLD6);
    FACT("PBUF_TOT_LEN", offsetof(struct pbuf, tot_len));
    FACT("PBUF_RAW", PBUF_RAW);
    FACT("PBUF_RAM", PBUF_RAM);
    FACT("IP4_ADDR_SIZE", sizeof(ip4_addr_t));
    FACT("ERR_OK", ERR_OK);
    FACT("ERR_IF", ERR_IF);
    FACT("AF_INET", AF_INET);
    FACT("AF_INET6", AF_INET6);
    FACT("SOCK_STREAM", SOCK_STREAM);
    FACT("SOCK_DGRAM", SOCK_DGRAM);
    FACT("SOCK_RAW", SOCK_RAW);
    FACT("IPPROTO_ICMP", IPPROTO_ICMP);
    FACT("IPPROTO_ICMPV6", IPPROTO_ICMPV6);
    FACT("IPPROTO_TCP", IPPROTO_TCP);
    FACT("SOL_SOCKET", SOL_SOCKET);
    FACT("SO_REUSEADDR", SO_REUSEADDR);
    FACT("SO_ERROR", SO_ERROR);
    FACT("SO_BINDTODEVICE", SO_BINDTODEVICE);
    FACT("TCP_NODELAY", TCP_NODELAY);
    FACT("F_GETFL", F_GETFL);
    FACT("F_SETFL", F_SETFL);
    FACT("O_NONBLOCK", O_NONBLOCK);
    FACT("POLLIN", POLLIN);
    FACT("POLLOUT", POLLOUT);
    FACT("POLLERR", POLLERR);
    FACT("POLLHUP", POLLHUP);
    FACT("POLLNVAL", POLLNVAL);
    FACT("SHUT_WR", SHUT_WR);
    FACT("SOCKADDR_IN_SIZE", sizeof(struct sockaddr_in));
    FACT("SOCKADDR_IN6_SIZE", sizeof(struct sockaddr_in6));
    FACT("IFREQ_SIZE", sizeof(struct ifreq));
    FACT("POLLFD_SIZE", sizeof(struct pollfd));
    FACT("EAGAIN", EAGAIN);
    FACT("EINPROGRESS", EINPROGRESS);
    FACT("EALREADY", EALREADY);
    FACT("EISCONN", EISCONN);
    return 0;
}
