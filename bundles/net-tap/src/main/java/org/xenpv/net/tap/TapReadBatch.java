package org.xenpv.net.tap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.xenpv.net.tap.internal.LinuxNet;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Frames read from a TAP device in one go, in memory allocated once: slot
 * {@code i} holds a virtio-net header and a frame. For the one thread that
 * reads the device; the views it returns are valid until the next read.
 */
public final class TapReadBatch implements AutoCloseable {
    private static final int SLOT_BYTES = VirtioNetHeader.SIZE + TapDevice.MAX_FRAME_BYTES;
    private static final int SLOT_STRIDE = (SLOT_BYTES + 63) & ~63;

    private final int capacity;
    private final Memory memory;
    private final long base;
    private final ByteBuffer headers;
    private final ByteBuffer[] frames;
    private final int[] lengths;
    private final Memory poll = new Memory(2L * LinuxNet.POLLFD_SIZE);
    private int size;
    private int runts;

    /** @param capacity the most frames one {@link TapDevice#read} takes */
    public TapReadBatch(int capacity) {
        if (capacity < 1 || capacity > 1024) {
            throw new IllegalArgumentException("a batch holds 1 to 1024 frames, not " + capacity);
        }
        this.capacity = capacity;
        this.memory = new Memory((long) capacity * SLOT_STRIDE);
        this.base = Pointer.nativeValue(memory);
        ByteBuffer all = memory.getByteBuffer(0, (long) capacity * SLOT_STRIDE).order(ByteOrder.LITTLE_ENDIAN);
        this.headers = all;
        this.frames = new ByteBuffer[capacity];
        this.lengths = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            frames[i] = all.slice(i * SLOT_STRIDE + VirtioNetHeader.SIZE, TapDevice.MAX_FRAME_BYTES)
                    .order(ByteOrder.BIG_ENDIAN);
        }
    }

    public int capacity() {
        return capacity;
    }

    /** Frames in the batch after the last read. */
    public int size() {
        return size;
    }

    /** Reads of the last batch too short to hold a header and an Ethernet header (skipped). */
    public int runts() {
        return runts;
    }

    /** Frame {@code i}: position 0, limit its length; the view is reused by the next read. */
    public ByteBuffer frame(int i) {
        checkIndex(i);
        return frames[i].clear().limit(lengths[i]);
    }

    /** Reads frame {@code i}'s virtio-net header into {@code header}. */
    public VirtioNetHeader header(int i, VirtioNetHeader header) {
        checkIndex(i);
        return header.readFrom(headers, i * SLOT_STRIDE);
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("frame " + i + " of a batch of " + size);
        }
    }

    void reset() {
        size = 0;
        runts = 0;
    }

    long slotAddress(int i) {
        return base + (long) i * SLOT_STRIDE;
    }

    long slotBytes() {
        return SLOT_BYTES;
    }

    void accept(int bytesRead) {
        if (bytesRead < VirtioNetHeader.SIZE + 14) {
            runts++;
            return;
        }
        lengths[size++] = bytesRead - VirtioNetHeader.SIZE;
    }

    Memory pollMemory() {
        return poll;
    }

    long pollAddress() {
        return Pointer.nativeValue(poll);
    }

    @Override
    public void close() {
        memory.close();
        poll.close();
    }
}
