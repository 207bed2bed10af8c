/**
 * A XenStore client without OSGi: {@link org.xenpv.xenstore.standalone.StandaloneXenStore#open} makes one over a
 * device port, on a connection of its own (the simulated host of tests and benchmarks, tools such as the real-Xen
 * probe).
 */
@Export
@Version("1.0.0")
package org.xenpv.xenstore.standalone;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
