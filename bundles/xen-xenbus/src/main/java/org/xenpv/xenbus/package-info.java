/**
 * The XenBus frontend bus: one {@link org.xenpv.xenbus.XenBusDevice} service
 * per device under the guest's {@code device/<class>/<id>}, for drivers to
 * bind to by class with a target filter such as {@code (xenbus.class=vif)}.
 */
@Export
@Version("1.1.0")
package org.xenpv.xenbus;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
