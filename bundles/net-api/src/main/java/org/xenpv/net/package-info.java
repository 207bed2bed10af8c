/**
 * The network card contract that network stacks consume: {@link org.xenpv.net.Nic}.
 *
 * <p>Buffer ownership: a frame given to {@link org.xenpv.net.Nic#send} stays
 * the caller's; the Nic copies what it needs before the call returns, so the
 * caller may reuse the buffer at once. A frame handed to a
 * {@link org.xenpv.net.FrameReceiver} belongs to the Nic and is valid only
 * during the call: copy what must outlive it.
 */
@Export
@Version("1.1.0")
package org.xenpv.net;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
