/* Prints every ioctl number, struct size and offset and system constant that
 * the Linux provider encodes in Java, as "name value" lines. */
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
/* privcmd.h first: it brings domid_t, which evtchn.h uses without including. */
#include <xen/privcmd.h>
#include <xen/evtchn.h>
#include <xen/gntalloc.h>

#define FACT(name, value) printf("%s %lld\n", name, (long long)(value))
#define SIZE(type) FACT("sizeof " #type, sizeof(struct type))
#define OFFSET(type, field) FACT("offsetof " #type " " #field, offsetof(struct type, field))
#define CONSTANT(name) FACT(#name, name)

int main(void)
{
    CONSTANT(IOCTL_PRIVCMD_HYPERCALL);
    SIZE(privcmd_hypercall);
    OFFSET(privcmd_hypercall, op);
    OFFSET(privcmd_hypercall, arg);
    FACT("elements privcmd_hypercall arg", sizeof(((struct privcmd_hypercall *)0)->arg) / sizeof(__u64));

    CONSTANT(IOCTL_EVTCHN_BIND_INTERDOMAIN);
    SIZE(ioctl_evtchn_bind_interdomain);
    OFFSET(ioctl_evtchn_bind_interdomain, remote_domain);
    OFFSET(ioctl_evtchn_bind_interdomain, remote_port);
    CONSTANT(IOCTL_EVTCHN_BIND_UNBOUND_PORT);
    SIZE(ioctl_evtchn_bind_unbound_port);
    OFFSET(ioctl_evtchn_bind_unbound_port, remote_domain);
    CONSTANT(IOCTL_EVTCHN_UNBIND);
    SIZE(ioctl_evtchn_unbind);
    OFFSET(ioctl_evtchn_unbind, port);
    CONSTANT(IOCTL_EVTCHN_NOTIFY);
    SIZE(ioctl_evtchn_notify);
    OFFSET(ioctl_evtchn_notify, port);
    FACT("sizeof evtchn port word", sizeof(((struct ioctl_evtchn_notify *)0)->port));

    CONSTANT(IOCTL_GNTALLOC_ALLOC_GREF);
    SIZE(ioctl_gntalloc_alloc_gref);
    OFFSET(ioctl_gntalloc_alloc_gref, domid);
    OFFSET(ioctl_gntalloc_alloc_gref, flags);
    OFFSET(ioctl_gntalloc_alloc_gref, count);
    OFFSET(ioctl_gntalloc_alloc_gref, index);
    OFFSET(ioctl_gntalloc_alloc_gref, gref_ids);
    CONSTANT(GNTALLOC_FLAG_WRITABLE);
    CONSTANT(IOCTL_GNTALLOC_DEALLOC_GREF);
    SIZE(ioctl_gntalloc_dealloc_gref);
    OFFSET(ioctl_gntalloc_dealloc_gref, index);
    OFFSET(ioctl_gntalloc_dealloc_gref, count);
    CONSTANT(IOCTL_GNTALLOC_SET_UNMAP_NOTIFY);
    SIZE(ioctl_gntalloc_unmap_notify);
    OFFSET(ioctl_gntalloc_unmap_notify, index);
    OFFSET(ioctl_gntalloc_unmap_notify, action);
    OFFSET(ioctl_gntalloc_unmap_notify, event_channel_port);
    CONSTANT(UNMAP_NOTIFY_CLEAR_BYTE);
    CONSTANT(UNMAP_NOTIFY_SEND_EVENT);

    CONSTANT(O_RDWR);
    CONSTANT(O_NONBLOCK);
    CONSTANT(O_CLOEXEC);
    CONSTANT(PROT_READ);
    CONSTANT(PROT_WRITE);
    CONSTANT(MAP_SHARED);
    CONSTANT(POLLIN);
    SIZE(pollfd);
    OFFSET(pollfd, fd);
    OFFSET(pollfd, events);
    OFFSET(pollfd, revents);
    CONSTANT(EFD_CLOEXEC);
    CONSTANT(EFD_NONBLOCK);
    return 0;
}
