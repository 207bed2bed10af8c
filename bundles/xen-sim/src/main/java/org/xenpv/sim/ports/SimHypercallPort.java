package org.xenpv.sim.ports;

import org.xenpv.abi.hypercall.Hypercalls;
import org.xenpv.platform.XenVersion;
import java.util.function.Consumer;

import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.HypercallPort;
import org.xenpv.platform.spi.PortException;

/** The simulator's privcmd: answers xen_version(XENVER_version); every other hypercall is ENOSYS. */
final class SimHypercallPort implements HypercallPort {
    static final String DEVICE = "sim:privcmd";

    private final XenVersion version;
    private final Consumer<AutoCloseable> onClose;
    private volatile boolean closed;

    SimHypercallPort(XenVersion version, Consumer<AutoCloseable> onClose) {
        this.version = version;
        this.onClose = onClose;
    }

    @Override
    public long hypercall(long op, long... args) throws PortException {
        String operation = "IOCTL_PRIVCMD_HYPERCALL(" + op + ")";
        if (closed) {
            throw new PortException(DEVICE, operation, Errno.EBADF, "port is closed");
        }
        if (args.length > MAX_ARGS) {
            throw new PortException(DEVICE, operation, Errno.EINVAL, args.length + " arguments, at most " + MAX_ARGS);
        }
        if (op == Hypercalls.HYPERVISOR_XEN_VERSION && args.length >= 1 && args[0] == Hypercalls.XENVER_VERSION) {
            return ((long) version.major() << 16) | version.minor();
        }
        throw new PortException(DEVICE, operation, Errno.ENOSYS, "the simulator implements xen_version(XENVER_version) only");
    }

    @Override
    public void close() {
        closed = true;
        onClose.accept(this);
    }
}
