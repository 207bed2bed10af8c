package org.xenpv.xenstore;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told of changes at or under a watched path. Called in order, one event at a
 * time, on XenStore's watch thread (never the thread that reads replies, so it
 * may call XenStore itself). Events can be spurious: read what you need.
 */
@ConsumerType
@FunctionalInterface
public interface WatchListener {
    /** @param path the changed node (the watched path itself for the first event) */
    void changed(String path);
}
