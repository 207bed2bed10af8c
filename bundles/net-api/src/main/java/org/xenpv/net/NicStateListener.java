package org.xenpv.net;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told of state and link changes. Called on the driver's thread, after the
 * change: do not block. A link going up after a (re)connection is the moment
 * to announce the MAC address (gratuitous ARP).
 */
@ConsumerType
public interface NicStateListener {
    void stateChanged(Nic nic, NicState state);

    default void linkChanged(Nic nic, LinkState link) {
    }
}
