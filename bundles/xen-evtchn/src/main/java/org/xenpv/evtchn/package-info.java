/**
 * Event channels: bind a port to another domain's, notify it, and get its
 * notifications on a handler.
 *
 * <p>Handlers of all bundles run on one dispatcher thread, one at a time per
 * port; a port is re-armed only after its handler returned, and once
 * {@link org.xenpv.evtchn.EventChannel#close()} returns its handler is never
 * called again. The {@link org.xenpv.evtchn.EventChannels} service is
 * bundle-scoped: a bundle's ports are closed when it lets go of the service.
 *
 * <p>A port bound with a {@link org.xenpv.evtchn.LateEoiHandler} is re-armed
 * after a growing delay while its events find no work (since 1.2).
 *
 * <p>Without OSGi, event channels come from the package
 * {@code org.xenpv.evtchn.standalone}; its factory was here in 1.1 and 1.2.
 */
@Export
@Version("2.0.0")
package org.xenpv.evtchn;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
