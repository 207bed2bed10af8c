/**
 * The XenBus frontend bus: one {@link org.xenpv.xenbus.XenBusDevice} service
 * per device under the guest's {@code device/<class>/<id>}, for drivers to
 * bind to by class with a target filter such as {@code (xenbus.class=vif)}.
 *
 * <p>A backend state that could not be read is told to
 * {@link org.xenpv.xenbus.BackendStateListener} (since 1.3). The listener is
 * told the state after every event, the same state again included (since 1.4).
 *
 * <p>Without OSGi, the bus comes from the package
 * {@code org.xenpv.xenbus.standalone}; its factory was here in 1.2 to 1.4.
 */
@Export
@Version("2.0.0")
package org.xenpv.xenbus;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
