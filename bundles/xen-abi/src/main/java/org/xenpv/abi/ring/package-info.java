/**
 * The generic Xen shared ring (xen/include/public/io/ring.h) over one page of
 * shared memory: the header layout, the capacity rule, and the front and back
 * ends with their private indexes, event suppression and memory ordering.
 */
@Export
@Version("1.0.0")
package org.xenpv.abi.ring;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
