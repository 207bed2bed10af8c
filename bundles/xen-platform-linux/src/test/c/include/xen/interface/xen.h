/*
 * Debian's linux-libc-dev ships <xen/privcmd.h> including the kernel-internal
 * <xen/interface/xen.h>, which no package installs. Xen's public header
 * (libxen-dev) defines the same domid_t that privcmd.h needs from it.
 */
#include <stdint.h>
#include <stddef.h>
#include <xen/xen.h>
