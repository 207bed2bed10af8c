/**
 * Event channels without OSGi: {@link org.xenpv.evtchn.standalone.StandaloneEventChannels#open} makes them over a
 * device port, with a dispatcher thread of their own (the simulated host of tests and benchmarks, tools such as
 * the real-Xen probe).
 */
@Export
@Version("1.0.0")
package org.xenpv.evtchn.standalone;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
