/**
 * The XenStore wire protocol (xen/include/public/io/xs_wire.h) and the XenBus
 * device states (xen/include/public/io/xenbus.h).
 */
@Export
@Version("1.0.0")
package org.xenpv.abi.xs;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
