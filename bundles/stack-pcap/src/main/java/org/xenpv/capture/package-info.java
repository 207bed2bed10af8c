/**
 * Capturing a Nic's frames to a pcapng file: {@link org.xenpv.capture.Captures}.
 *
 * <p>A capture sees every frame the Nic sends and receives (a
 * {@link org.xenpv.net.FrameMonitor}) and never holds the Nic up: a frame that
 * finds the capture's buffer full is dropped from the capture and counted, the
 * Nic's own traffic is not affected.
 */
@Export
@Version("1.0.0")
package org.xenpv.capture;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
