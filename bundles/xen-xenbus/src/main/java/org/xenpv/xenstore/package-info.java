/**
 * XenStore, the configuration store Xen domains share: read, write, list,
 * remove, permissions, transactions and watches, as the xs_wire protocol
 * offers them.
 */
@Export
@Version("1.0.0")
package org.xenpv.xenstore;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
