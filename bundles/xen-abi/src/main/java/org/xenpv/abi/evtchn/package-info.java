/** Event-channel constants (xen/include/public/event_channel.h). */
@Export
@Version("1.0.0")
package org.xenpv.abi.evtchn;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
