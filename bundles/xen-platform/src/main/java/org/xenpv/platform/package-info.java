/**
 * The Xen platform as the guest sees it: is this a Xen guest, which Xen, which
 * domain, which kind of guest, the Xen platform PCI device, raw hypercalls.
 *
 * <p>Since 1.1 {@link org.xenpv.platform.PlatformPciDevice} also carries the subsystem ids,
 * the class code and the bound kernel driver, and {@link org.xenpv.platform.PciBar} tells I/O
 * from memory and prefetchable BARs.
 */
@Export
@Version("1.1.0")
package org.xenpv.platform;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
