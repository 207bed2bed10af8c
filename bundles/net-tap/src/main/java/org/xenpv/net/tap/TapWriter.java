package org.xenpv.net.tap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.xenpv.net.tap.internal.LinuxNet;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Hands frames to the kernel through one TAP device, for one thread: set
 * {@link #header()}, then {@link #write}. A direct buffer is written where it
 * lies (one writev of the header and the frame); a heap buffer is copied once
 * into the writer's own memory first.
 */
public final class TapWriter implements AutoCloseable {
    private final TapDevice device;
    private final VirtioNetHeader header = new VirtioNetHeader();
    /** Two iovecs, then the header's bytes, then room for a copied frame. */
    private final Memory memory;
    private final long iov;
    private final long headerAddress;
    private final ByteBuffer headerBytes;
    private final ByteBuffer copy;
    private final long copyAddress;
    private ByteBuffer lastBuffer;
    private long lastAddress;
    private int lastErrno;

    TapWriter(TapDevice device) {
        this.device = device;
        int headerAt = 2 * LinuxNet.IOVEC_SIZE;
        int copyAt = 64;
        this.memory = new Memory(copyAt + TapDevice.MAX_FRAME_BYTES);
        long base = Pointer.nativeValue(memory);
        this.iov = base;
        this.headerAddress = base + headerAt;
        this.headerBytes = memory.getByteBuffer(headerAt, VirtioNetHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        this.copy = memory.getByteBuffer(copyAt, TapDevice.MAX_FRAME_BYTES);
        this.copyAddress = base + copyAt;
    }

    /** The header the next {@link #write} sends; cleared after each write. */
    public VirtioNetHeader header() {
        return header;
    }

    /**
     * Writes the frame from position to limit (the buffer is not moved), with {@link #header()}.
     *
     * @return true when the kernel took it; false otherwise ({@link #lastErrno()} says why: EIO while
     *     the interface is down, EINVAL for a header the kernel refuses)
     */
    public boolean write(ByteBuffer frame) {
        int length = frame.remaining();
        if (length > TapDevice.MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("a frame of " + length + " bytes is larger than "
                    + TapDevice.MAX_FRAME_BYTES);
        }
        long address;
        if (frame.isDirect()) {
            if (frame != lastBuffer) {
                lastAddress = Pointer.nativeValue(Native.getDirectBufferPointer(frame));
                lastBuffer = frame;
            }
            address = lastAddress + frame.position();
        } else {
            copy.put(0, frame, frame.position(), length);
            address = copyAddress;
        }
        header.writeTo(headerBytes, 0);
        header.clear();
        memory.setLong(0, headerAddress);
        memory.setLong(8, VirtioNetHeader.SIZE);
        memory.setLong(16, address);
        memory.setLong(24, length);
        lastErrno = device.writev(iov, 2);
        return lastErrno == 0;
    }

    /** errno of the last write that failed; 0 after a success. */
    public int lastErrno() {
        return lastErrno;
    }

    /** The C library's words for an errno, for a log line. */
    public static String describe(int errno) {
        return TapDevice.describe(errno);
    }

    @Override
    public void close() {
        memory.close();
    }
}
