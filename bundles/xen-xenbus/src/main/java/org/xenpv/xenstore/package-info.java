/**
 * XenStore, the configuration store Xen domains share: read, write, list,
 * remove, permissions, transactions and watches, as the xs_wire protocol
 * offers them.
 *
 * <p>Without OSGi, a client comes from the package
 * {@code org.xenpv.xenstore.standalone}; its factory was here in 1.1.
 */
@Export
@Version("2.0.0")
package org.xenpv.xenstore;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
