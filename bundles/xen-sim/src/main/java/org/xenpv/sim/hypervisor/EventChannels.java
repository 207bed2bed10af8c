package org.xenpv.sim.hypervisor;

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
 */
public final class EventChannels {
    private final Hypervisor hypervisor;
    private final Domain owner;
    private final Channel[] channels;
    private int open;

    private static final class Channel {
        ChannelState.Kind kind = ChannelState.Kind.FREE;
        int remoteDomid = -1;
        int remotePort;
        boolean pending;
        boolean masked;
        EventHandler handler;
    }

    EventChannels(Hypervisor hypervisor, Domain owner, int size) {
        this.hypervisor = hypervisor;
        this.owner = owner;
        this.channels = new Channel[size];
        for (int port = 0; port < size; port++) {
            channels[port] = new Channel();
        }
    }

    /** EVTCHNOP_alloc_unbound: a fresh port that {@code remoteDomid} may bind to. */
    public int allocUnbound(int remoteDomid, EventHandler handler) throws HypervisorException {
        synchronized (hypervisor.eventLock) {
            int port = freePort();
            Channel channel = channels[port];
            channel.kind = ChannelState.Kind.UNBOUND;
            channel.remoteDomid = remoteDomid;
            channel.handler = handler;
            open++;
            return port;
        }
    }

    /**
     * EVTCHNOP_bind_interdomain: binds a fresh local port to {@code remotePort}
     * of {@code remoteDomid}, which must be unbound and allocated for this domain.
     */
    public int bindInterdomain(int remoteDomid, int remotePort, EventHandler handler) throws HypervisorException {
        Domain remote = hypervisor.requireDomain(remoteDomid);
        synchronized (hypervisor.eventLock) {
            Channel remoteChannel = remote.events().channel(remotePort);
            if (remoteChannel.kind != ChannelState.Kind.UNBOUND) {
                throw new HypervisorException(Errno.EINVAL, "port " + remotePort + " of " + remote + " is "
                        + remoteChannel.kind + ", not unbound");
            }
            if (remoteChannel.remoteDomid != owner.domid()) {
                throw new HypervisorException(Errno.EINVAL, "port " + remotePort + " of " + remote
                        + " is reserved for domain " + remoteChannel.remoteDomid + ", not " + owner.domid());
            }
            int port = freePort();
            Channel channel = channels[port];
            channel.kind = ChannelState.Kind.INTERDOMAIN;
            channel.remoteDomid = remoteDomid;
            channel.remotePort = remotePort;
            channel.handler = handler;
            remoteChannel.kind = ChannelState.Kind.INTERDOMAIN;
            remoteChannel.remotePort = port;
            open++;
            return port;
        }
    }

    /** EVTCHNOP_close. The remote end, if any, becomes unbound again. */
    public void close(int port) throws HypervisorException {
        synchronized (hypervisor.eventLock) {
            Channel channel = openChannel(port);
            if (channel.kind == ChannelState.Kind.INTERDOMAIN) {
                hypervisor.domain(channel.remoteDomid).ifPresent(remote -> {
                    Channel remoteChannel = remote.events().channels[channel.remotePort];
                    remoteChannel.kind = ChannelState.Kind.UNBOUND;
                    remoteChannel.remoteDomid = owner.domid();
                    remoteChannel.remotePort = 0;
                });
            }
            channels[port] = new Channel();
            open--;
        }
    }

    void closeAll() {
        for (int port = 1; port < channels.length; port++) {
            try {
                synchronized (hypervisor.eventLock) {
                    if (channels[port].kind == ChannelState.Kind.FREE) {
                        continue;
                    }
                }
                close(port);
            } catch (HypervisorException raced) {
                // closed concurrently by its owner: nothing left to do
            }
        }
    }

    /** EVTCHNOP_send: raises an event at the other end of {@code port}. */
    public void send(int port) throws HypervisorException {
        EventHandler handler;
        int remotePort;
        synchronized (hypervisor.eventLock) {
            Channel channel = openChannel(port);
            if (channel.kind != ChannelState.Kind.INTERDOMAIN) {
                return;
            }
            Domain remote = hypervisor.domainOrNull(channel.remoteDomid);
            if (remote == null) {
                return;
            }
            remotePort = channel.remotePort;
            Channel target = remote.events().channels[remotePort];
            if (target.masked) {
                target.pending = true;
                return;
            }
            target.pending = false;
            handler = target.handler;
        }
        if (handler != null) {
            handler.onEvent(remotePort);
        }
    }

    /** Masks a port: its events stay pending until it is unmasked. */
    public void mask(int port) throws HypervisorException {
        synchronized (hypervisor.eventLock) {
            openChannel(port).masked = true;
        }
    }

    /** EVTCHNOP_unmask: re-arms a port and raises its upcall now if an event is pending. */
    public void unmask(int port) throws HypervisorException {
        EventHandler handler = null;
        synchronized (hypervisor.eventLock) {
            Channel channel = openChannel(port);
            channel.masked = false;
            if (channel.pending) {
                channel.pending = false;
                handler = channel.handler;
            }
        }
        if (handler != null) {
            handler.onEvent(port);
        }
    }

    /** EVTCHNOP_status. */
    public ChannelState state(int port) {
        synchronized (hypervisor.eventLock) {
            if (port <= 0 || port >= channels.length) {
                return ChannelState.FREE;
            }
            Channel channel = channels[port];
            return channel.kind == ChannelState.Kind.FREE ? ChannelState.FREE
                    : new ChannelState(channel.kind, channel.remoteDomid, channel.remotePort);
        }
    }

    /** Whether an event waits on a masked port. */
    public boolean isPending(int port) {
        synchronized (hypervisor.eventLock) {
            return port > 0 && port < channels.length && channels[port].pending;
        }
    }

    /** Whether a port is masked: an event that fired and has not been re-armed, or masked on purpose. */
    public boolean isMasked(int port) {
        synchronized (hypervisor.eventLock) {
            return port > 0 && port < channels.length && channels[port].masked;
        }
    }

    /** Ports allocated now. */
    public int openPorts() {
        synchronized (hypervisor.eventLock) {
            return open;
        }
    }

    private int freePort() throws HypervisorException {
        for (int port = 1; port < channels.length; port++) {
            if (channels[port].kind == ChannelState.Kind.FREE) {
                return port;
            }
        }
        throw new HypervisorException(Errno.ENOSPC, owner + ": all " + (channels.length - 1)
                + " event channels are in use");
    }

    private Channel openChannel(int port) throws HypervisorException {
        if (port <= 0 || port >= channels.length || channels[port].kind == ChannelState.Kind.FREE) {
            throw new HypervisorException(Errno.EINVAL, owner + " has no open port " + port);
        }
        return channels[port];
    }

    private Channel channel(int port) throws HypervisorException {
        if (port <= 0 || port >= channels.length) {
            throw new HypervisorException(Errno.EINVAL, owner + " has no port " + port);
        }
        return channels[port];
    }
}
