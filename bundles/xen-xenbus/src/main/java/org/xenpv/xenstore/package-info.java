/**
 * XenStore, the configuration store Xen domains share: read, write, list,
 * remove, permissions, transactions and watches, as the xs_wire protocol
 * offers them.
 *
 * <p>Without OSGi, {@link org.xenpv.xenstore.StandaloneXenStore#open} makes a
 * client over a device port (since 1.1).
 */
@Export
@Version("1.1.0")
package org.xenpv.xenstore;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
