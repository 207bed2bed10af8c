/**
 * The Xen network interface protocol (xen/include/public/io/netif.h): ring
 * entries, flags, status codes, limits and the XenStore keys of a vif.
 *
 * <p>Each entry type has a {@code write} that fills a slot and a {@code read}
 * that copies a slot into a record once; the record's values are then the
 * caller's to validate, since the peer may rewrite the slot at any time.
 * {@link org.xenpv.abi.netif.NetifPacketReader} reads a whole packet's slots
 * so, on either ring (since 1.1).
 */
@Export
@Version("1.1.0")
package org.xenpv.abi.netif;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
