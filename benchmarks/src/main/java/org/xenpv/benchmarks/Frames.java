package org.xenpv.benchmarks;

import java.nio.ByteBuffer;

import org.xenpv.net.MacAddress;

/** Frames for the benchmarks. */
final class Frames {
    private Frames() {
    }

    /** A frame from {@code from} to {@code to} whose bytes depend on its size. */
    static ByteBuffer frame(MacAddress to, MacAddress from, int size) {
        ByteBuffer frame = ByteBuffer.allocate(size);
        for (int i = 12; i < size; i++) {
            frame.put(i, (byte) (i * 31 + size));
        }
        to.write(frame, 0);
        from.write(frame, 6);
        return frame;
    }
}
