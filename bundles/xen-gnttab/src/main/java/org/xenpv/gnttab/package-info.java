/**
 * Grant tables: share pages of this domain with another domain, read-only or
 * writable, end the sharing, and keep pools of pages granted once and reused.
 *
 * <p>The {@link org.xenpv.gnttab.GrantTable} service is bundle-scoped: each
 * bundle has its own, and every page it still grants is revoked when that
 * bundle stops using the service (bundle stop included).
 *
 * <p>Since 2.0 a revocation answers a {@link org.xenpv.gnttab.Revocation}
 * (ended, deferred, unknown) instead of a boolean; pages whose revocation is
 * deferred stay accounted as held until their domain lets go
 * ({@code pagesHeld}); a {@link org.xenpv.gnttab.PagePool} can be revoked and
 * asked whether its pages are still held.
 *
 * <p>Since 3.0 a {@link org.xenpv.gnttab.PagePool} has an owner: {@code acquire},
 * {@code available}, {@code recycle} (new), {@code revoke} and {@code close}
 * are its calls, one at a time, and take no lock; pages come back from other
 * threads without a lock through {@code release}. A major version, since a
 * caller that acquired from several threads, as 2.x allowed, must not.
 *
 * <p>Without OSGi, a grant table comes from the package
 * {@code org.xenpv.gnttab.standalone}; its factory was here in 1.1 to 3.0.
 */
@Export
@Version("4.0.0")
package org.xenpv.gnttab;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
