package org.xenpv.xenstore;

import org.osgi.annotation.versioning.ProviderType;

/** A registered watch; close it to stop events. */
@ProviderType
public interface Watch extends AutoCloseable {
    String path();

    /** Unregisters; no event reaches the listener after this returns (unless called from the listener). */
    @Override
    void close();
}
