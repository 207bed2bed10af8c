package org.xenpv.platform.spi;

/**
 * The evtchn device. Ports bound through one opened port are unbound when it
 * closes. A port that fires is masked by the device until {@link #unmask} is
 * called for it, so a port is re-armed only when its consumer says so.
 */
public interface EventChannelPort extends AutoCloseable {

    /** Allocates a local port that {@code remoteDomid} may bind to (IOCTL_EVTCHN_BIND_UNBOUND_PORT). */
    int bindUnbound(int remoteDomid) throws PortException;

    /** Binds a local port to {@code remotePort} of {@code remoteDomid} (IOCTL_EVTCHN_BIND_INTERDOMAIN). */
    int bindInterdomain(int remoteDomid, int remotePort) throws PortException;

    /** Unbinds a local port (IOCTL_EVTCHN_UNBIND). */
    void unbind(int localPort) throws PortException;

    /** Sends an event to the other end of a local port (IOCTL_EVTCHN_NOTIFY). */
    void notify(int localPort) throws PortException;

    /**
     * Waits until at least one port has fired, then stores the fired ports in
     * {@code ports} (as read() of the device does). Each returned port stays
     * masked until unmasked.
     *
     * @return how many ports were stored; 0 when the timeout passed or the port was closed
     */
    int awaitPending(int[] ports, long timeoutMillis) throws PortException;

    /** Re-arms ports returned by {@link #awaitPending} (write() of the device). */
    void unmask(int[] ports, int count) throws PortException;

    /** Unbinds every port bound through this opened port and wakes a waiter. */
    @Override
    void close();
}
