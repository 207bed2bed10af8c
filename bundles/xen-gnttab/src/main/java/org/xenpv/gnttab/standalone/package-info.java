/**
 * A grant table without OSGi: {@link org.xenpv.gnttab.standalone.StandaloneGrantTable#open} makes one over a device
 * port, with a ledger of its own (the simulated host of tests and benchmarks, tools such as the real-Xen probe).
 */
@Export
@Version("1.0.0")
package org.xenpv.gnttab.standalone;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
