/**
 * The Xen platform as the guest sees it: is this a Xen guest, which Xen, which
 * domain, which kind of guest, the Xen platform PCI device, raw hypercalls.
 */
@Export
@Version("1.0.0")
package org.xenpv.platform;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
