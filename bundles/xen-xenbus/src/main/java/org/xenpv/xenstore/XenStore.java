package org.xenpv.xenstore;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A XenStore connection as a service. Each bundle gets its own view: the
 * watches and transactions it opens end when it releases the service.
 */
@ProviderType
public interface XenStore extends XenStoreOperations {

    /** How many times {@link #inTransaction} runs a body that keeps meeting conflicts. */
    int TRANSACTION_ATTEMPTS = 16;

    XenStoreTransaction startTransaction() throws XenStoreException;

    /**
     * Runs {@code body} in a transaction and commits it, running it again when
     * the commit meets a conflict (EAGAIN), up to {@link #TRANSACTION_ATTEMPTS} times.
     */
    <T> T inTransaction(TransactionBody<T> body) throws XenStoreException;

    /**
     * Watches a path: {@code listener} hears once at once, then of every change
     * at or under it.
     */
    Watch watch(String path, WatchListener listener) throws XenStoreException;

    /** The home path of a domain, /local/domain/&lt;domid&gt;. */
    String domainPath(int domid) throws XenStoreException;
}
