package org.xenpv.sim.ports;

import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
    /** The thread waiting in awaitPending, if any: woken by park/unpark, which allocate nothing per event. */
    private volatile Thread reader;
    private final BitSet bound = new BitSet();
    /** Ports fired and not yet unmasked: each is queued at most once, as the device masks it on delivery. */
    private final BitSet fired = new BitSet();
    /** Fired ports in firing order, a ring of ints: at most one entry per bound port. */
    private int[] queue = new int[64];
    private int queueHead;
    private int queueSize;
    private final Consumer<AutoCloseable> onClose;
    private boolean closed;

    SimEventChannelPort(Domain domain, Consumer<AutoCloseable> onClose) {
        this.domain = domain;
        this.onClose = onClose;
    }

    private void onEvent(int port) {
        lock.lock();
        try {
            if (closed || !bound.get(port) || fired.get(port)) {
                return;
            }
            try {
                domain.events().mask(port);
            } catch (HypervisorException closedMeanwhile) {
                return;
            }
            fired.set(port);
            enqueue(port);
        } finally {
            lock.unlock();
        }
        Thread waiting = reader;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    private void enqueue(int port) {
        if (queueSize == queue.length) {
            int[] grown = new int[queue.length * 2];
            for (int i = 0; i < queueSize; i++) {
                grown[i] = queue[(queueHead + i) % queue.length];
            }
            queue = grown;
            queueHead = 0;
        }
        queue[(queueHead + queueSize++) % queue.length] = port;
    }

    private int dequeue() {
        int port = queue[queueHead];
        queueHead = (queueHead + 1) % queue.length;
        queueSize--;
        return port;
    }

    private void removeQueued(int port) {
        int kept = 0;
        for (int i = 0; i < queueSize; i++) {
            int queued = queue[(queueHead + i) % queue.length];
            if (queued != port) {
                queue[(queueHead + kept++) % queue.length] = queued;
            }
        }
        queueSize = kept;
    }

    @Override
    public int bindUnbound(int remoteDomid) throws PortException {
        String operation = "IOCTL_EVTCHN_BIND_UNBOUND_PORT";
        lock.lock();
        try {
            requireOpen(operation);
            int port = domain.events().allocUnbound(remoteDomid, this::onEvent);
            bound.set(port);
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
            bound.set(port);
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
            bound.clear(localPort);
            fired.clear(localPort);
            removeQueued(localPort);
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
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            lock.lock();
            try {
                if (queueSize > 0 || closed) {
                    int count = 0;
                    while (count < ports.length && queueSize > 0) {
                        ports[count++] = dequeue();
                    }
                    return count;
                }
                reader = Thread.currentThread();
            } finally {
                lock.unlock();
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                reader = null;
                return 0;
            }
            // An event after the check above unparks this thread, so the park returns at once.
            LockSupport.parkNanos(this, remaining);
            reader = null;
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new PortException(DEVICE, "read", Errno.EINTR, "interrupted while waiting for events");
            }
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
                if (port < 0 || !bound.get(port) || !fired.get(port)) {
                    continue;
                }
                fired.clear(port);
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
            for (int port = bound.nextSetBit(0); port >= 0; port = bound.nextSetBit(port + 1)) {
                try {
                    domain.events().close(port);
                } catch (HypervisorException alreadyClosed) {
                    // the domain was destroyed: its ports are gone already
                }
            }
            bound.clear();
            fired.clear();
            queueSize = 0;
        } finally {
            lock.unlock();
        }
        Thread waiting = reader;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
        onClose.accept(this);
    }

    private void requireOpen(String operation) throws PortException {
        if (closed) {
            throw new PortException(DEVICE, operation, Errno.EBADF, "port is closed");
        }
    }

    private void requireBound(String operation, int port) throws PortException {
        if (port < 0 || !bound.get(port)) {
            throw new PortException(DEVICE, operation, Errno.ENOTCONN, "port " + port + " is not bound through this device");
        }
    }

    private static PortException failure(String operation, HypervisorException e) {
        return new PortException(DEVICE, operation, e.errno(), e.getMessage());
    }
}
