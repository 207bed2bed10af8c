package org.xenpv.xenstore;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A transaction: its operations see and change a private view until
 * {@link #commit}, which fails with EAGAIN when another commit changed what
 * it used. Closing a transaction that was not committed aborts it.
 */
@ProviderType
public interface XenStoreTransaction extends XenStoreOperations, AutoCloseable {

    /**
     * Commits.
     *
     * @throws XenStoreException EAGAIN when a concurrent change conflicts: run the transaction again
     */
    void commit() throws XenStoreException;

    /** Aborts (does nothing after commit). */
    @Override
    void close() throws XenStoreException;
}
