/**
 * Linux TAP interfaces for frames with virtio-net offload headers
 * ({@code IFF_TAP | IFF_NO_PI | IFF_VNET_HDR}): {@link org.xenpv.net.tap.TapDevice}
 * creates one, {@link org.xenpv.net.tap.TapReadBatch} reads the kernel's frames
 * in batches, {@link org.xenpv.net.tap.TapWriter} hands frames to the kernel,
 * and {@link org.xenpv.net.tap.TransportChecksum} maps partial checksums to and
 * from what a netif peer can express. Nothing here allocates per frame.
 */
@Export
@Version("1.0.0")
package org.xenpv.net.tap;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
