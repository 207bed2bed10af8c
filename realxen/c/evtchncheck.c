/* dom0 side of the harness: binds to a guest's unbound event-channel port
 * (through /dev/xen/evtchn), notifies it, then waits for its notification.
 * Usage: evtchncheck <domid> <port>; prints "EVTCHNCHECK OK" or "EVTCHNCHECK FAIL why". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/evtchn.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: evtchncheck <domid> <port>\n");
        return 2;
    }
    int fd = open("/dev/xen/evtchn", O_RDWR);
    if (fd < 0) {
        printf("EVTCHNCHECK FAIL open: %s\n", strerror(errno));
        return 1;
    }
    struct ioctl_evtchn_bind_interdomain bind = {
        .remote_domain = (uint32_t)atoi(argv[1]), .remote_port = (uint32_t)atoi(argv[2]) };
    int local = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bind);
    if (local < 0) {
        printf("EVTCHNCHECK FAIL bind: %s\n", strerror(errno));
        return 1;
    }
    struct ioctl_evtchn_notify notify = { .port = (uint32_t)local };
    if (ioctl(fd, IOCTL_EVTCHN_NOTIFY, &notify) != 0) {
        printf("EVTCHNCHECK FAIL notify: %s\n", strerror(errno));
        return 1;
    }
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    if (poll(&pfd, 1, 120000) != 1) {
        printf("EVTCHNCHECK FAIL no event from the guest within 120 s\n");
        return 1;
    }
    uint32_t fired;
    if (read(fd, &fired, sizeof fired) != sizeof fired || fired != (uint32_t)local) {
        printf("EVTCHNCHECK FAIL read\n");
        return 1;
    }
    printf("EVTCHNCHECK OK local port %d\n", local);
    close(fd);
    return 0;
}
