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
 * <p>Without OSGi, {@link org.xenpv.evtchn.StandaloneEventChannels#open}
 * makes them over a device port (since 1.1).
 *
 * <p>A port bound with a {@link org.xenpv.evtchn.LateEoiHandler} is re-armed
 * after a growing delay while its events find no work (since 1.2).
 */
@Export
@Version("1.2.0")
package org.xenpv.evtchn;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
