package org.xenpv.evtchn.internal;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.evtchn.EventChannel;
import org.xenpv.evtchn.EventHandler;

/** A bound port and its handler. */
final class BoundChannel implements EventChannel {
    private static final Logger LOG = LoggerFactory.getLogger(BoundChannel.class);

    private final EventDispatcher dispatcher;
    private final int localPort;
    private final int remoteDomid;
    private final EventHandler handler;
    private final BundleEventChannels owner;
    /** Held while the handler runs, so that close can wait for a running handler. */
    private final Object handlerLock = new Object();
    private volatile boolean open = true;
    private boolean failureLogged;

    BoundChannel(EventDispatcher dispatcher, int localPort, int remoteDomid, EventHandler handler,
            BundleEventChannels owner) {
        this.dispatcher = dispatcher;
        this.localPort = localPort;
        this.remoteDomid = remoteDomid;
        this.handler = handler;
        this.owner = owner;
    }

    /** Runs the handler unless closed; false when it threw. */
    boolean dispatch() {
        synchronized (handlerLock) {
            if (!open) {
                return true;
            }
            try {
                handler.onEvent(this);
                return true;
            } catch (RuntimeException | Error e) {
                // Logged once per port: a handler that fails on every event must not flood the log.
                if (!failureLogged) {
                    failureLogged = true;
                    LOG.error("handler of event channel {} failed (further failures of this port are counted only)",
                            localPort, e);
                }
                return false;
            }
        }
    }

    @Override
    public int localPort() {
        return localPort;
    }

    @Override
    public int remoteDomid() {
        return remoteDomid;
    }

    @Override
    public void notifyRemote() throws IOException {
        if (!open) {
            throw new IllegalStateException("event channel " + localPort + " is closed");
        }
        dispatcher.notify(localPort);
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        // Wait out a handler running on the dispatcher; from the handler itself the lock is re-entered.
        synchronized (handlerLock) {
            dispatcher.unbind(this);
        }
        owner.closed(this);
    }

    @Override
    public String toString() {
        return "event channel " + localPort + " to domain " + remoteDomid;
    }
}
