package org.xenpv.sim.hypervisor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

import org.xenpv.platform.spi.Errno;

/**
 * The event-channel ports of one domain, with Xen's semantics: a port is
 * allocated unbound for one remote domain, which may then bind to it; a send
 * on an interdomain port sets the remote port pending and, unless masked,
 * raises its upcall; closing one end leaves the other end unbound; a send on
 * an unbound port is silently dropped. Port 0 is never allocated.
 *
 * <p>Delivery is edge-like: an upcall consumes the pending bit; a port that
 * is masked keeps it, and unmasking a pending port raises the upcall then.
 *
 * <p>Locking is per port, as Xen's is (one lock per channel since Xen 4.5),
 * so that sends on independent channels never wait for each other: a send
 * takes the lock of its own port only, and sets the remote port's pending
 * and mask bits atomically, as Xen sets them in shared memory; binding and
 * closing, which change both ends, take both ports' locks in one global
 * order. Holding a port's lock therefore keeps its peer bound to it, which
 * is what makes a send's lookup of the remote port safe without the remote
 * lock. Claiming a free port takes the domain's allocation lock besides.
 */
public final class EventChannels {
    private static final int MASKED = 1;
    private static final int PENDING = 2;
    private static final VarHandle FLAGS;

    static {
        try {
            FLAGS = MethodHandles.lookup().findVarHandle(Channel.class, "flags", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Hypervisor hypervisor;
    private final Domain owner;
    private final Channel[] channels;
    /** Held while a free port is found and claimed, so that two claims cannot pick the same port. */
    private final Object allocation = new Object();
    private final AtomicInteger open = new AtomicInteger();

    /** One port, for the domain's life: its binding is guarded by its own monitor, its flags are atomic. */
    private static final class Channel {
        /** The order in which two ports are locked together: by domain, then by port. */
        final long order;
        /** Written under the monitor; volatile so that a search for a free port need not take each one. */
        volatile ChannelState.Kind kind = ChannelState.Kind.FREE;
        int remoteDomid = -1;
        /**
         * The peer's domain while interdomain, so that a send finds it without
         * a look-up per event; a destroyed domain's ports close first, which
         * unbinds this one.
         */
        Domain remoteDomain;
        int remotePort;
        EventHandler handler;
        /** {@link #MASKED} and {@link #PENDING}: changed by the owner and, without the owner's lock, by a peer's send. */
        volatile int flags;

        Channel(int domid, int port) {
            this.order = ((long) domid << 32) | port;
        }

        /** An event arrives: true if it is to be delivered now, false if it stays pending on a masked port. */
        boolean raise() {
            int seen = flags;
            while ((seen & MASKED) != 0) {
                if ((seen & PENDING) != 0) {
                    return false;
                }
                int witness = (int) FLAGS.compareAndExchange(this, seen, seen | PENDING);
                if (witness == seen) {
                    return false;
                }
                seen = witness;
            }
            // Pending is only ever set on a masked port and cleared with its mask: there is nothing to clear.
            return true;
        }

        void free() {
            kind = ChannelState.Kind.FREE;
            remoteDomid = -1;
            remoteDomain = null;
            remotePort = 0;
            handler = null;
            flags = 0;
        }
    }

    EventChannels(Hypervisor hypervisor, Domain owner, int size) {
        this.hypervisor = hypervisor;
        this.owner = owner;
        this.channels = new Channel[size];
        for (int port = 0; port < size; port++) {
            channels[port] = new Channel(owner.domid(), port);
        }
    }

    /** EVTCHNOP_alloc_unbound: a fresh port that {@code remoteDomid} may bind to. */
    public int allocUnbound(int remoteDomid, EventHandler handler) throws HypervisorException {
        synchronized (allocation) {
            int port = freePort();
            Channel channel = channels[port];
            synchronized (channel) {
                channel.kind = ChannelState.Kind.UNBOUND;
                channel.remoteDomid = remoteDomid;
                channel.handler = handler;
            }
            open.incrementAndGet();
            return port;
        }
    }

    /**
     * EVTCHNOP_bind_interdomain: binds a fresh local port to {@code remotePort}
     * of {@code remoteDomid}, which must be unbound and allocated for this domain.
     */
    public int bindInterdomain(int remoteDomid, int remotePort, EventHandler handler) throws HypervisorException {
        Domain remote = hypervisor.requireDomain(remoteDomid);
        Channel remoteChannel = remote.events().channel(remotePort);
        synchronized (allocation) {
            int port = freePort();
            Channel channel = channels[port];
            Channel first = first(channel, remoteChannel);
            synchronized (first) {
                synchronized (other(first, channel, remoteChannel)) {
                    if (remoteChannel.kind != ChannelState.Kind.UNBOUND) {
                        throw new HypervisorException(Errno.EINVAL, "port " + remotePort + " of " + remote + " is "
                                + remoteChannel.kind + ", not unbound");
                    }
                    if (remoteChannel.remoteDomid != owner.domid()) {
                        throw new HypervisorException(Errno.EINVAL, "port " + remotePort + " of " + remote
                                + " is reserved for domain " + remoteChannel.remoteDomid + ", not " + owner.domid());
                    }
                    channel.kind = ChannelState.Kind.INTERDOMAIN;
                    channel.remoteDomid = remoteDomid;
                    channel.remoteDomain = remote;
                    channel.remotePort = remotePort;
                    channel.handler = handler;
                    remoteChannel.kind = ChannelState.Kind.INTERDOMAIN;
                    remoteChannel.remoteDomain = owner;
                    remoteChannel.remotePort = port;
                }
            }
            open.incrementAndGet();
            return port;
        }
    }

    /** EVTCHNOP_close. The remote end, if any, becomes unbound again. */
    public void close(int port) throws HypervisorException {
        Channel channel = channel(port);
        while (true) {
            ChannelState.Kind kind;
            int remoteDomid;
            int remotePort;
            synchronized (channel) {
                kind = requireOpen(channel, port).kind;
                remoteDomid = channel.remoteDomid;
                remotePort = channel.remotePort;
                if (kind != ChannelState.Kind.INTERDOMAIN) {
                    // No peer to unbind; a peer that binds to it meanwhile needs this lock.
                    channel.free();
                    open.decrementAndGet();
                    return;
                }
            }
            Domain remote = hypervisor.domainOrNull(remoteDomid);
            Channel peer = remote == null ? channel : remote.events().channels[remotePort];
            Channel first = first(channel, peer);
            synchronized (first) {
                synchronized (other(first, channel, peer)) {
                    // Both ends locked: unless the peer closed first (this end is then unbound), nothing moved.
                    if (channel.kind == ChannelState.Kind.INTERDOMAIN && channel.remoteDomid == remoteDomid
                            && channel.remotePort == remotePort) {
                        if (peer != channel) {
                            peer.kind = ChannelState.Kind.UNBOUND;
                            peer.remoteDomid = owner.domid();
                            peer.remoteDomain = null;
                            peer.remotePort = 0;
                        }
                        channel.free();
                        open.decrementAndGet();
                        return;
                    }
                }
            }
        }
    }

    void closeAll() {
        for (int port = 1; port < channels.length; port++) {
            if (channels[port].kind == ChannelState.Kind.FREE) {
                continue;
            }
            try {
                close(port);
            } catch (HypervisorException raced) {
                // closed concurrently by its owner: nothing left to do
            }
        }
    }

    /** EVTCHNOP_send: raises an event at the other end of {@code port}. */
    public void send(int port) throws HypervisorException {
        Channel channel = channel(port);
        EventHandler handler;
        int remotePort;
        synchronized (channel) {
            requireOpen(channel, port);
            if (channel.kind != ChannelState.Kind.INTERDOMAIN) {
                return;
            }
            Domain remote = channel.remoteDomain;
            if (remote == null) {
                return;
            }
            remotePort = channel.remotePort;
            // This port's lock keeps the target bound to it: closing or rebinding the target needs this lock too.
            Channel target = remote.events().channels[remotePort];
            if (!target.raise()) {
                return;
            }
            handler = target.handler;
        }
        if (handler != null) {
            handler.onEvent(remotePort);
        }
    }

    /** Masks a port: its events stay pending until it is unmasked. */
    public void mask(int port) throws HypervisorException {
        Channel channel = channel(port);
        synchronized (channel) {
            requireOpen(channel, port);
            FLAGS.getAndBitwiseOr(channel, MASKED);
        }
    }

    /** EVTCHNOP_unmask: re-arms a port and raises its upcall now if an event is pending. */
    public void unmask(int port) throws HypervisorException {
        Channel channel = channel(port);
        EventHandler handler = null;
        synchronized (channel) {
            requireOpen(channel, port);
            // Mask and pending cleared in one step: a send in between either pends before it or delivers after.
            int before = (int) FLAGS.getAndBitwiseAnd(channel, ~(MASKED | PENDING));
            if ((before & PENDING) != 0) {
                handler = channel.handler;
            }
        }
        if (handler != null) {
            handler.onEvent(port);
        }
    }

    /** EVTCHNOP_status. */
    public ChannelState state(int port) {
        if (port <= 0 || port >= channels.length) {
            return ChannelState.FREE;
        }
        Channel channel = channels[port];
        synchronized (channel) {
            return channel.kind == ChannelState.Kind.FREE ? ChannelState.FREE
                    : new ChannelState(channel.kind, channel.remoteDomid, channel.remotePort);
        }
    }

    /** Whether an event waits on a masked port. */
    public boolean isPending(int port) {
        return port > 0 && port < channels.length && (channels[port].flags & PENDING) != 0;
    }

    /** Whether a port is masked: an event that fired and has not been re-armed, or masked on purpose. */
    public boolean isMasked(int port) {
        return port > 0 && port < channels.length && (channels[port].flags & MASKED) != 0;
    }

    /** Ports allocated now. */
    public int openPorts() {
        return open.get();
    }

    /** The first of two ports to lock, so that any two are always locked in the same order. */
    private static Channel first(Channel a, Channel b) {
        return a.order <= b.order ? a : b;
    }

    private static Channel other(Channel first, Channel a, Channel b) {
        return first == a ? b : a;
    }

    /** Called with the allocation lock held: a port seen free stays free until this domain claims it. */
    private int freePort() throws HypervisorException {
        for (int port = 1; port < channels.length; port++) {
            if (channels[port].kind == ChannelState.Kind.FREE) {
                return port;
            }
        }
        throw new HypervisorException(Errno.ENOSPC, owner + ": all " + (channels.length - 1)
                + " event channels are in use");
    }

    private Channel requireOpen(Channel channel, int port) throws HypervisorException {
        if (channel.kind == ChannelState.Kind.FREE) {
            throw new HypervisorException(Errno.EINVAL, owner + " has no open port " + port);
        }
        return channel;
    }

    private Channel channel(int port) throws HypervisorException {
        if (port <= 0 || port >= channels.length) {
            throw new HypervisorException(Errno.EINVAL, owner + " has no port " + port);
        }
        return channels[port];
    }
}
