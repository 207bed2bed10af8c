/**
 * The netfront driver outside OSGi. In Karaf the driver is a Declarative
 * Services component that publishes a {@link org.xenpv.net.Nic} service per
 * connected vif and has no API of its own; {@link
 * org.xenpv.netfront.standalone.StandaloneNetfront} is the supported way to run
 * the same driver without a framework, over the standalone layers below it (the
 * simulated host of tests and benchmarks, the real-Xen probe). Until this
 * package it was {@code org.xenpv.netfront} 1.1.
 */
@Export
@Version("1.0.0")
package org.xenpv.netfront.standalone;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
