package org.xenpv.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.xenpv.net.Nic;
import org.xenpv.net.Offload;

/**
 * A 64-byte frame sent from one Nic and echoed back by another's receiver
 * (from its queue's thread), for the ping-pong benchmarks. Takes over both
 * Nics' receivers.
 */
final class RoundTrip {
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Nic ping;
    private final ByteBuffer frame;
    private volatile long returned;

    RoundTrip(Nic ping, Nic pong) {
        this.ping = ping;
        ByteBuffer echo = ByteBuffer.allocateDirect(64);
        pong.setReceiver((queue, arrived, offload) -> {
            // Back to the sender: destination and source swapped, the rest as it came.
            echo.clear();
            echo.put(0, arrived, arrived.position() + 6, 6);
            echo.put(6, arrived, arrived.position(), 6);
            echo.put(12, arrived, arrived.position() + 12, 52);
            pong.send(echo, Offload.NONE);
        });
        ping.setReceiver((queue, arrived, offload) -> returned = returned + 1);
        ByteBuffer heap = Frames.frame(pong.macAddress(), ping.macAddress(), 64);
        frame = ByteBuffer.allocateDirect(64).put(heap).flip();
    }

    /** Sends the frame and spins until it is back; returns how many came back so far. */
    long once() {
        long wanted = returned + 1;
        if (!ping.send(frame, Offload.NONE)) {
            throw new IllegalStateException("the sender refused a frame with nothing else in flight");
        }
        long deadline = System.nanoTime() + STALL_NANOS;
        while (returned < wanted) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("a frame did not come back within 5 s");
            }
            Thread.onSpinWait();
        }
        return wanted;
    }
}
