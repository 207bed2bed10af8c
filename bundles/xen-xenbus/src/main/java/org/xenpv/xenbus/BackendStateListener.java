package org.xenpv.xenbus;

import org.osgi.annotation.versioning.ConsumerType;
import org.xenpv.abi.xs.XenbusState;

/** Told the backend's state when observation starts and whenever it changes; on XenStore's watch thread. */
@ConsumerType
@FunctionalInterface
public interface BackendStateListener {
    void backendState(XenbusState state);
}
