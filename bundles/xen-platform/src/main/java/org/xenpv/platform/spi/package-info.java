/**
 * The device-port SPI: the seam between the real and the simulated Xen.
 *
 * <p>Each port mirrors one of the guest kernel's Xen character devices, one
 * operation for one ioctl, read or write, so that everything above this package
 * runs the same code on Xen and on the simulator. Opening a port is opening the
 * device: each opened port has its own bindings and grants, and closing it
 * releases them, as closing the file descriptor does on Linux.
 */
@Export
@Version("1.1.0")
package org.xenpv.platform.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
