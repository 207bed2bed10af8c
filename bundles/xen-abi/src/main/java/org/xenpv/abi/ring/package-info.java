/**
 * The generic Xen shared ring (xen/include/public/io/ring.h) over one page of
 * shared memory: the header layout, the capacity rule, and the front and back
 * ends with their private indexes, event suppression and memory ordering.
 *
 * <p>A front end can ask for its response event at the last request it pushed
 * rather than at its next response, and read that request producer from a
 * thread other than the producing one (since 1.1).
 */
@Export
@Version("1.1.0")
package org.xenpv.abi.ring;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
