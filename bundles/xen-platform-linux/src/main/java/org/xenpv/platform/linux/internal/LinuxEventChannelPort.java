package org.xenpv.platform.linux.internal;

import static org.xenpv.platform.linux.internal.LinuxUapi.EVTCHN_BIND_INTERDOMAIN_REMOTE_DOMAIN;
import static org.xenpv.platform.linux.internal.LinuxUapi.EVTCHN_BIND_INTERDOMAIN_REMOTE_PORT;
import static org.xenpv.platform.linux.internal.LinuxUapi.EVTCHN_BIND_INTERDOMAIN_SIZE;
import static org.xenpv.platform.linux.internal.LinuxUapi.EVTCHN_BIND_UNBOUND_PORT_SIZE;
import static org.xenpv.platform.linux.internal.LinuxUapi.EVTCHN_NOTIFY_SIZE;
import static org.xenpv.platform.linux.internal.LinuxUapi.EVTCHN_PORT_SIZE;
import static org.xenpv.platform.linux.internal.LinuxUapi.EVTCHN_UNBIND_SIZE;
import static org.xenpv.platform.linux.internal.LinuxUapi.IOCTL_EVTCHN_BIND_INTERDOMAIN;
import static org.xenpv.platform.linux.internal.LinuxUapi.IOCTL_EVTCHN_BIND_UNBOUND_PORT;
import static org.xenpv.platform.linux.internal.LinuxUapi.IOCTL_EVTCHN_NOTIFY;
import static org.xenpv.platform.linux.internal.LinuxUapi.IOCTL_EVTCHN_UNBIND;

import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.EventChannelPort;
import org.xenpv.platform.spi.PortException;

import com.sun.jna.Memory;

/**
 * Event channels through /dev/xen/evtchn. The kernel masks a port when it
 * fires and queues it for read(); writing the port back unmasks it, which is
 * exactly the re-arm protocol of the SPI.
 */
final class LinuxEventChannelPort implements EventChannelPort {
    static final String OP_BIND_INTERDOMAIN = "IOCTL_EVTCHN_BIND_INTERDOMAIN";
    static final String OP_BIND_UNBOUND_PORT = "IOCTL_EVTCHN_BIND_UNBOUND_PORT";
    static final String OP_UNBIND = "IOCTL_EVTCHN_UNBIND";
    static final String OP_NOTIFY = "IOCTL_EVTCHN_NOTIFY";
    static final String OP_READ = "read pending ports";
    static final String OP_UNMASK = "write (unmask)";
    /** Xen's largest domid that names a real domain (DOMID_FIRST_RESERVED - 1). */
    static final int MAX_DOMID = 0x7fef;

    private final DeviceFile device;

    LinuxEventChannelPort(DeviceFile device) {
        this.device = device;
    }

    @Override
    public int bindUnbound(int remoteDomid) throws PortException {
        requireDomid(remoteDomid, OP_BIND_UNBOUND_PORT);
        try (Memory argument = new Memory(EVTCHN_BIND_UNBOUND_PORT_SIZE)) {
            argument.setInt(0, remoteDomid);
            return device.ioctl(OP_BIND_UNBOUND_PORT, IOCTL_EVTCHN_BIND_UNBOUND_PORT, argument,
                    "remote domain " + remoteDomid);
        }
    }

    @Override
    public int bindInterdomain(int remoteDomid, int remotePort) throws PortException {
        requireDomid(remoteDomid, OP_BIND_INTERDOMAIN);
        requirePort(remotePort, OP_BIND_INTERDOMAIN);
        try (Memory argument = encodeBindInterdomain(remoteDomid, remotePort)) {
            return device.ioctl(OP_BIND_INTERDOMAIN, IOCTL_EVTCHN_BIND_INTERDOMAIN, argument,
                    "remote domain " + remoteDomid + " port " + remotePort);
        }
    }

    static Memory encodeBindInterdomain(int remoteDomid, int remotePort) {
        Memory argument = new Memory(EVTCHN_BIND_INTERDOMAIN_SIZE);
        argument.setInt(EVTCHN_BIND_INTERDOMAIN_REMOTE_DOMAIN, remoteDomid);
        argument.setInt(EVTCHN_BIND_INTERDOMAIN_REMOTE_PORT, remotePort);
        return argument;
    }

    @Override
    public void unbind(int localPort) throws PortException {
        portIoctl(OP_UNBIND, IOCTL_EVTCHN_UNBIND, EVTCHN_UNBIND_SIZE, localPort);
    }

    @Override
    public void notify(int localPort) throws PortException {
        portIoctl(OP_NOTIFY, IOCTL_EVTCHN_NOTIFY, EVTCHN_NOTIFY_SIZE, localPort);
    }

    private void portIoctl(String operation, long request, int size, int localPort) throws PortException {
        requirePort(localPort, operation);
        try (Memory argument = new Memory(size)) {
            argument.setInt(0, localPort);
            device.ioctl(operation, request, argument, "port " + localPort);
        }
    }

    @Override
    public int awaitPending(int[] ports, long timeoutMillis) throws PortException {
        if (ports.length == 0) {
            throw new IllegalArgumentException("no room for pending ports");
        }
        if (!device.awaitReadable(timeoutMillis)) {
            return 0;
        }
        try (Memory buffer = new Memory((long) ports.length * EVTCHN_PORT_SIZE)) {
            int bytes;
            try {
                bytes = device.read(OP_READ, buffer, ports.length * EVTCHN_PORT_SIZE);
            } catch (PortException e) {
                if (device.isClosed()) {
                    return 0;
                }
                throw e;
            }
            if (bytes < 0) {
                return 0;
            }
            if (bytes % EVTCHN_PORT_SIZE != 0) {
                throw new PortException(device.path(), OP_READ, Errno.EIO,
                        "the device returned " + bytes + " bytes, not whole 32-bit ports");
            }
            int count = bytes / EVTCHN_PORT_SIZE;
            for (int i = 0; i < count; i++) {
                ports[i] = buffer.getInt((long) i * EVTCHN_PORT_SIZE);
            }
            return count;
        }
    }

    @Override
    public void unmask(int[] ports, int count) throws PortException {
        if (count == 0) {
            return;
        }
        if (count < 0 || count > ports.length) {
            throw new IllegalArgumentException("count " + count + " outside 0.." + ports.length);
        }
        try (Memory buffer = new Memory((long) count * EVTCHN_PORT_SIZE)) {
            for (int i = 0; i < count; i++) {
                buffer.setInt((long) i * EVTCHN_PORT_SIZE, ports[i]);
            }
            device.writeFully(OP_UNMASK, buffer, count * EVTCHN_PORT_SIZE);
        }
    }

    private void requireDomid(int domid, String operation) throws PortException {
        if (domid < 0 || domid > MAX_DOMID) {
            throw new PortException(device.path(), operation, Errno.EINVAL, "domain id " + domid + " out of range");
        }
    }

    private void requirePort(int port, String operation) throws PortException {
        if (port <= 0) {
            throw new PortException(device.path(), operation, Errno.EINVAL, "port " + port + " is not a valid port");
        }
    }

    @Override
    public void close() {
        device.close();
    }
}
