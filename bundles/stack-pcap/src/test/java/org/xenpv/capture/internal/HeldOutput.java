package org.xenpv.capture.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** Files whose writes are held up until {@link #release}: a disk that stalls. */
final class HeldOutput implements CaptureOutput {
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger waiting = new AtomicInteger();

    @Override
    public WritableByteChannel open(Path file) throws IOException {
        WritableByteChannel real = CaptureOutput.FILES.open(file);
        return new WritableByteChannel() {
            @Override
            public int write(ByteBuffer source) throws IOException {
                waiting.incrementAndGet();
                try {
                    released.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("held write interrupted");
                } finally {
                    waiting.decrementAndGet();
                }
                return real.write(source);
            }

            @Override
            public boolean isOpen() {
                return real.isOpen();
            }

            @Override
            public void close() throws IOException {
                real.close();
            }
        };
    }

    /** How many writers are held now. */
    int held() {
        return waiting.get();
    }

    void release() {
        released.countDown();
    }
}
