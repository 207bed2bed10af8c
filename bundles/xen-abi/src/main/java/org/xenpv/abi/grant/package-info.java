/** Grant-table constants (xen/include/public/grant_table.h) and domain ids (xen.h). */
@Export
@Version("1.0.0")
package org.xenpv.abi.grant;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
