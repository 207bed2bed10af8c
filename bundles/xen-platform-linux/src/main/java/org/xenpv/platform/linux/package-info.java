/**
 * The Linux device-port provider outside OSGi. In Karaf the provider is a
 * component enabled only on a machine with the kernel's /dev/xen devices;
 * {@link org.xenpv.platform.linux.LinuxDevicePortProviders} is the supported
 * way to open the same provider without a framework (the real-Xen probe).
 */
@Export
@Version("1.0.0")
package org.xenpv.platform.linux;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
