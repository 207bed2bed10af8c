package org.xenpv.evtchn.internal;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.evtchn.EventChannel;
import org.xenpv.evtchn.EventHandler;
import org.xenpv.evtchn.LateEoiHandler;

/** A bound port and its handler, and for a lateeoi handler its spurious events and re-arming delay. */
final class BoundChannel implements EventChannel {
    private static final Logger LOG = LoggerFactory.getLogger(BoundChannel.class);

    private final EventDispatcher dispatcher;
    private final int localPort;
    private final int remoteDomid;
    private static final long MIN_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LateEoiHandler handler;
    private final boolean lateEoi;
    private final BundleEventChannels owner;
    /** Held while the handler runs, so that close can wait for a running handler. */
    private final Object handlerLock = new Object();
    private volatile boolean open = true;
    private boolean failureLogged;
    // Written by the dispatcher thread only; volatile so that consoles read them from theirs.
    private volatile long spurious;
    private volatile long delayedRearms;
    private volatile long rearmDelayNanos;
    /** Spurious events since the last one that found work (the dispatcher's thread only). */
    private int spuriousStreak;
    /** When a delayed re-arming is due, in System.nanoTime (the dispatcher's thread only). */
    long rearmAt;

    BoundChannel(EventDispatcher dispatcher, int localPort, int remoteDomid, EventHandler handler,
            BundleEventChannels owner) {
        this(dispatcher, localPort, remoteDomid, channel -> {
            handler.onEvent(channel);
            return true;
        }, false, owner);
    }

    BoundChannel(EventDispatcher dispatcher, int localPort, int remoteDomid, LateEoiHandler handler,
            BundleEventChannels owner) {
        this(dispatcher, localPort, remoteDomid, handler, true, owner);
    }

    private BoundChannel(EventDispatcher dispatcher, int localPort, int remoteDomid, LateEoiHandler handler,
            boolean lateEoi, BundleEventChannels owner) {
        this.dispatcher = dispatcher;
        this.localPort = localPort;
        this.remoteDomid = remoteDomid;
        this.handler = handler;
        this.lateEoi = lateEoi;
        this.owner = owner;
    }

    /**
     * Runs the handler unless closed; false when it threw. A lateeoi
     * handler's answer sets the delay before the port is re-armed: none after
     * work or a first spurious event (an event racing a poll that took its
     * work is normal), then 1 ms doubling per spurious event up to 1 s.
     */
    boolean dispatch() {
        synchronized (handlerLock) {
            if (!open) {
                return true;
            }
            try {
                boolean work = handler.onEvent(this);
                if (lateEoi) {
                    if (work) {
                        spuriousStreak = 0;
                        rearmDelayNanos = 0;
                    } else {
                        spurious++;
                        dispatcher.countSpurious();
                        if (spuriousStreak < 31) {
                            spuriousStreak++;
                        }
                        rearmDelayNanos = spuriousStreak < 2 ? 0
                                : Math.min(MAX_DELAY_NANOS, MIN_DELAY_NANOS << Math.min(spuriousStreak - 2, 20));
                    }
                }
                return true;
            } catch (RuntimeException | Error e) {
                rearmDelayNanos = 0; // as for any handler that throws: the port is re-armed
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
    public long spuriousEvents() {
        return spurious;
    }

    @Override
    public long delayedRearms() {
        return delayedRearms;
    }

    @Override
    public long rearmDelayMillis() {
        return TimeUnit.NANOSECONDS.toMillis(rearmDelayNanos);
    }

    /** The delay the last event asked for before re-arming; 0 for at once. */
    long rearmDelayNanos() {
        return rearmDelayNanos;
    }

    /** The dispatcher holds this port masked until {@code due}. */
    void deferRearm(long due) {
        rearmAt = due;
        delayedRearms++;
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
