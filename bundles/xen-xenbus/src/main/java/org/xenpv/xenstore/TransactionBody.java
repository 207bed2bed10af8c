package org.xenpv.xenstore;

import org.osgi.annotation.versioning.ConsumerType;

/** The work of a transaction; it may run more than once, so it should only act through {@code tx}. */
@ConsumerType
@FunctionalInterface
public interface TransactionBody<T> {
    T run(XenStoreOperations tx) throws XenStoreException;
}
