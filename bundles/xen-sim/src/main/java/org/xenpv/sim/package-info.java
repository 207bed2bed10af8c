/**
 * The simulated Xen as tests and tools see it: its domains and what each
 * holds, so that leaks of grants, mappings and event channels are visible;
 * its vifs, with their host interfaces when it gives them some.
 */
@Export
@Version("1.4.0")
package org.xenpv.sim;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
