package org.xenpv.platform.linux.internal;

import static org.xenpv.platform.linux.internal.LinuxUapi.IOCTL_PRIVCMD_HYPERCALL;
import static org.xenpv.platform.linux.internal.LinuxUapi.PRIVCMD_HYPERCALL_ARG;
import static org.xenpv.platform.linux.internal.LinuxUapi.PRIVCMD_HYPERCALL_OP;
import static org.xenpv.platform.linux.internal.LinuxUapi.PRIVCMD_HYPERCALL_SIZE;

import org.xenpv.platform.spi.HypercallPort;
import org.xenpv.platform.spi.PortException;

import com.sun.jna.Memory;

/** Hypercalls through /dev/xen/privcmd. */
final class LinuxHypercallPort implements HypercallPort {
    static final String OP_HYPERCALL = "IOCTL_PRIVCMD_HYPERCALL";

    private final DeviceFile device;

    LinuxHypercallPort(DeviceFile device) {
        this.device = device;
    }

    @Override
    public long hypercall(long op, long... args) throws PortException {
        try (Memory call = encodeHypercall(op, args)) {
            // privcmd returns the hypercall's own result; a negative one comes back as errno.
            return device.ioctl(OP_HYPERCALL, IOCTL_PRIVCMD_HYPERCALL, call, "hypercall " + op);
        }
    }

    /** struct privcmd_hypercall: the op and five arguments, unused ones zero. */
    static Memory encodeHypercall(long op, long... args) {
        if (args.length > MAX_ARGS) {
            throw new IllegalArgumentException("a hypercall takes at most " + MAX_ARGS + " arguments, got "
                    + args.length);
        }
        Memory call = new Memory(PRIVCMD_HYPERCALL_SIZE);
        call.clear();
        call.setLong(PRIVCMD_HYPERCALL_OP, op);
        for (int i = 0; i < args.length; i++) {
            call.setLong(PRIVCMD_HYPERCALL_ARG + 8L * i, args[i]);
        }
        return call;
    }

    @Override
    public void close() {
        device.close();
    }
}
