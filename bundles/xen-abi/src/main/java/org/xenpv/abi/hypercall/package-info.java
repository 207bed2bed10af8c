/** Hypercall numbers and sub-operations (xen/include/public/xen.h, version.h). */
@Export
@Version("1.0.0")
package org.xenpv.abi.hypercall;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
