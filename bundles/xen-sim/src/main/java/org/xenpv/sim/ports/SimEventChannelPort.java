package org.xenpv.sim.ports;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import java.util.function.Consumer;

import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.EventChannelPort;
import org.xenpv.platform.spi.PortException;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.HypervisorException;

/**
 * The simulator's evtchn device, behaving as Linux's does: a port that fires
 * is masked and queued once; reading returns the queued ports; writing them
 * back unmasks them. Only ports bound through this opened device can be used.
 */
final class SimEventChannelPort implements EventChannelPort {
    static final String DEVICE = "sim:evtchn";

    private final Domain domain;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition firedOrClosed = lock.newCondition();
    private final Set<Integer> bound = new HashSet<>();
    /** Ports fired and not yet unmasked: each is queued at most once, as the device masks it on delivery. */
    private final Set<Integer> fired = new HashSet<>();
    private final ArrayDeque<Integer> queue = new ArrayDeque<>();
    private final Consumer<AutoCloseable> onClose;
    private boolean closed;

    SimEventChannelPort(Domain domain, Consumer<AutoCloseable> onClose) {
        this.domain = domain;
        this.onClose = onClose;
    }

    private void onEvent(int port) {
        lock.lock();
        try {
            if (closed || !bound.contains(port) || !fired.add(port)) {
                return;
            }
            try {
                domain.events().mask(port);
            } catch (HypervisorException closedMeanwhile) {
                fired.remove(port);
                return;
            }
            queue.add(port);
            firedOrClosed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int bindUnbound(int remoteDomid) throws PortException {
        String operation = "IOCTL_EVTCHN_BIND_UNBOUND_PORT";
        lock.lock();
        try {
            requireOpen(operation);
            int port = domain.events().allocUnbound(remoteDomid, this::onEvent);
            bound.add(port);
            return port;
        } catch (HypervisorException e) {
            throw failure(operation, e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int bindInterdomain(int remoteDomid, int remotePort) throws PortException {
        String operation = "IOCTL_EVTCHN_BIND_INTERDOMAIN";
        lock.lock();
        try {
            requireOpen(operation);
            int port = domain.events().bindInterdomain(remoteDomid, remotePort, this::onEvent);
            bound.add(port);
            return port;
        } catch (HypervisorException e) {
            throw failure(operation, e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void unbind(int localPort) throws PortException {
        String operation = "IOCTL_EVTCHN_UNBIND";
        lock.lock();
        try {
            requireOpen(operation);
            requireBound(operation, localPort);
            bound.remove(localPort);
            fired.remove(localPort);
            queue.remove(localPort);
            domain.events().close(localPort);
        } catch (HypervisorException e) {
            throw failure(operation, e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void notify(int localPort) throws PortException {
        String operation = "IOCTL_EVTCHN_NOTIFY";
        lock.lock();
        try {
            requireOpen(operation);
            requireBound(operation, localPort);
        } finally {
            lock.unlock();
        }
        // The send runs outside the lock: it may deliver to another port of this same device.
        try {
            domain.events().send(localPort);
        } catch (HypervisorException e) {
            throw failure(operation, e);
        }
    }

    @Override
    public int awaitPending(int[] ports, long timeoutMillis) throws PortException {
        lock.lock();
        try {
            long remaining = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (queue.isEmpty() && !closed) {
                if (remaining <= 0) {
                    return 0;
                }
                try {
                    remaining = firedOrClosed.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PortException(DEVICE, "read", Errno.EINTR, "interrupted while waiting for events");
                }
            }
            int count = 0;
            while (count < ports.length && !queue.isEmpty()) {
                ports[count++] = queue.poll();
            }
            return count;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void unmask(int[] ports, int count) throws PortException {
        for (int i = 0; i < count; i++) {
            int port = ports[i];
            lock.lock();
            try {
                requireOpen("write");
                // Linux ignores ports that are not bound through this device; so do we.
                if (!bound.contains(port) || !fired.remove(port)) {
                    continue;
                }
            } finally {
                lock.unlock();
            }
            try {
                domain.events().unmask(port);
            } catch (HypervisorException unboundMeanwhile) {
                // unbound by another thread between the check and the unmask: nothing to re-arm
            }
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (int port : bound) {
                try {
                    domain.events().close(port);
                } catch (HypervisorException alreadyClosed) {
                    // the domain was destroyed: its ports are gone already
                }
            }
            bound.clear();
            fired.clear();
            queue.clear();
            firedOrClosed.signalAll();
        } finally {
            lock.unlock();
        }
        onClose.accept(this);
    }

    private void requireOpen(String operation) throws PortException {
        if (closed) {
            throw new PortException(DEVICE, operation, Errno.EBADF, "port is closed");
        }
    }

    private void requireBound(String operation, int port) throws PortException {
        if (!bound.contains(port)) {
            throw new PortException(DEVICE, operation, Errno.ENOTCONN, "port " + port + " is not bound through this device");
        }
    }

    private static PortException failure(String operation, HypervisorException e) {
        return new PortException(DEVICE, operation, e.errno(), e.getMessage());
    }
}
