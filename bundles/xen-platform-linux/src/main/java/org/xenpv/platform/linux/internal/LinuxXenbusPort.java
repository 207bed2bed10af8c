package org.xenpv.platform.linux.internal;

import java.nio.ByteBuffer;

import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;

import com.sun.jna.Memory;

/**
 * The XenStore channel /dev/xen/xenbus: the kernel forwards whole messages
 * written to it and hands back replies and watch events for this file only.
 */
final class LinuxXenbusPort implements XenbusPort {
    static final String OP_WRITE = "write message";
    static final String OP_READ = "read";
    private static final int READ_CHUNK = 4096 + 16;
    private static final long WAIT_SLICE_MILLIS = 60_000;

    private final DeviceFile device;
    private final Memory readBuffer = new Memory(READ_CHUNK);

    LinuxXenbusPort(DeviceFile device) {
        this.device = device;
    }

    @Override
    public void write(ByteBuffer message) throws PortException {
        int length = message.remaining();
        try (Memory buffer = new Memory(Math.max(1, length))) {
            buffer.getByteBuffer(0, length).put(message.duplicate());
            device.writeFully(OP_WRITE, buffer, length);
        }
        message.position(message.limit());
    }

    @Override
    public int maxRequestsInFlight() {
        return 1;
    }

    @Override
    public int read(ByteBuffer dst) throws PortException {
        synchronized (readBuffer) {
            while (true) {
                if (device.isClosed()) {
                    return -1;
                }
                if (!device.awaitReadable(WAIT_SLICE_MILLIS)) {
                    continue;
                }
                if (device.isClosed()) {
                    return -1;
                }
                int bytes;
                try {
                    bytes = device.read(OP_READ, readBuffer, Math.min(READ_CHUNK, dst.remaining()));
                } catch (PortException e) {
                    if (device.isClosed()) {
                        return -1;
                    }
                    throw e;
                }
                if (bytes == 0) {
                    return -1;
                }
                if (bytes > 0) {
                    dst.put(readBuffer.getByteArray(0, bytes));
                    return bytes;
                }
            }
        }
    }

    @Override
    public void close() {
        device.close();
    }
}
