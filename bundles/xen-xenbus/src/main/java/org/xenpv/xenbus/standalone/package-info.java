/**
 * The XenBus frontend bus without OSGi: {@link org.xenpv.xenbus.standalone.StandaloneXenBus#open} runs it over a
 * XenStore and tells a listener of each device instead of registering a service (the simulated host of tests and
 * benchmarks, tools such as the real-Xen probe).
 */
@Export
@Version("1.0.0")
package org.xenpv.xenbus.standalone;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
