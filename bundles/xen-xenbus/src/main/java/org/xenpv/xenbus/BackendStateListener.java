package org.xenpv.xenbus;

import org.osgi.annotation.versioning.ConsumerType;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.xenstore.XenStoreException;

/**
 * Told the backend's state when observation starts and after every event that may have changed it (so
 * possibly the same state again); on XenStore's watch thread.
 */
@ConsumerType
@FunctionalInterface
public interface BackendStateListener {
    void backendState(XenbusState state);

    /**
     * The backend's state may have changed but could not be read (XenStore did not answer in time, or
     * failed): nothing else will tell of this change, so a driver that acts on the state should read it
     * again later. Does nothing by default.
     *
     * @since 1.3
     */
    default void backendStateUnreadable(XenStoreException cause) {
    }
}
