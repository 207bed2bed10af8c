/**
 * The device-port SPI: the seam between the real and the simulated Xen.
 *
 * <p>Each port mirrors one of the guest kernel's Xen character devices, one
 * operation for one ioctl, read or write, so that everything above this package
 * runs the same code on Xen and on the simulator. Opening a port is opening the
 * device: each opened port has its own bindings and grants, and closing it
 * releases them, as closing the file descriptor does on Linux.
 *
 * <p>Since 2.0 {@link org.xenpv.platform.spi.GrantAllocPort#deallocate} answers a
 * {@link org.xenpv.platform.spi.GrantEnd} (ended, deferred or unknown) instead of
 * a boolean, and {@link org.xenpv.platform.spi.GrantAllocPort#endDeferred} tries a
 * deferred end again: the one operation with no ioctl of its own, since gntalloc
 * tells user space nothing of a grant the peer still uses (a platform that cannot
 * tell answers {@code UNKNOWN} and never defers).
 */
@Export
@Version("2.0.0")
package org.xenpv.platform.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
