package org.xenpv.capture.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class FrameRingTest {
    private static final int CAPACITY = 1 << 18;

    /** A frame that says who sent it and its number, and whose every byte can be checked. */
    private static ByteBuffer frame(int producer, int sequence, int length) {
        ByteBuffer frame = ByteBuffer.allocate(length + 3);
        frame.position(3); // the ring must copy from position, not from 0
        frame.putInt(3, producer).putInt(7, sequence).putInt(11, length);
        for (int i = 15; i < length + 3; i++) {
            frame.put(i, (byte) (i * 31 + sequence));
        }
        return frame;
    }

    private static void check(byte[] buffer, int offset, int length, int sequence) {
        for (int i = 12; i < length; i++) {
            if (buffer[offset + i] != (byte) ((i + 3) * 31 + sequence)) {
                throw new AssertionError("byte " + i + " of frame " + sequence);
            }
        }
    }

    private static int readInt(byte[] buffer, int offset) {
        return ByteBuffer.wrap(buffer, offset, 4).getInt();
    }

    @Test
    void recordsComeOutInOrderAcrossTheEndOfTheRing() throws Exception {
        FrameRing ring = new FrameRing(CAPACITY, 65535);
        List<Integer> seen = new ArrayList<>();
        int sent = 0;
        for (int round = 0; round < 40; round++) {
            for (int i = 0; i < 7; i++, sent++) {
                int length = 14 + (sent * 977) % 9000;
                ByteBuffer f = frame(0, sent, length);
                assertTrue(ring.offer(1, sent, length + 100, f, 3, length), "frame " + sent);
                assertEquals(3, f.position(), "position left alone");
            }
            ring.drain((type, timestamp, original, buffer, offset, captured) -> {
                int sequence = readInt(buffer, offset + 4);
                assertEquals(timestamp, sequence);
                assertEquals(captured + 100, original);
                assertEquals(captured, readInt(buffer, offset + 8));
                check(buffer, offset, captured, sequence);
                seen.add(sequence);
            }, Integer.MAX_VALUE);
            assertTrue(ring.isEmpty());
        }
        assertEquals(sent, seen.size());
        for (int i = 0; i < sent; i++) {
            assertEquals(i, seen.get(i));
        }
    }

    @Test
    void aFullRingRefusesWithoutWaitingAndTakesAgainOnceDrained() throws Exception {
        FrameRing ring = new FrameRing(CAPACITY, 65535);
        int accepted = 0;
        while (ring.offer(2, 0, 1000, frame(0, accepted, 1000), 3, 1000)) {
            accepted++;
        }
        assertEquals(CAPACITY / RecordDescriptor.recordLength(1000), accepted);
        assertFalse(ring.offer(2, 0, 14, frame(0, 0, 14), 3, 14));
        int[] drained = {0};
        ring.drain((type, timestamp, original, buffer, offset, captured) -> drained[0]++, Integer.MAX_VALUE);
        assertEquals(accepted, drained[0]);
        assertTrue(ring.offer(2, 0, 65535, frame(0, 0, 65535), 3, 65535));
    }

    /** Several producers and the consumer at once: every accepted record arrives whole, in each producer's order. */
    @Test
    void concurrentProducersAndTheConsumer() throws Exception {
        FrameRing ring = new FrameRing(CAPACITY, 65535);
        int producers = 4;
        int perProducer = 20_000;
        AtomicLong accepted = new AtomicLong();
        AtomicLong consumed = new AtomicLong();
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int[] next = new int[producers];
        Thread consumer = new Thread(() -> {
            try {
                while (producing.get() || !ring.isEmpty()) {
                    ring.drain((type, timestamp, original, buffer, offset, captured) -> {
                        int producer = readInt(buffer, offset);
                        int sequence = readInt(buffer, offset + 4);
                        if (sequence < next[producer]) {
                            throw new AssertionError("producer " + producer + ": " + sequence + " after "
                                    + (next[producer] - 1));
                        }
                        next[producer] = sequence + 1;
                        assertEquals(captured, readInt(buffer, offset + 8));
                        assertEquals(type, producer % 2 + 1);
                        check(buffer, offset, captured, sequence);
                        consumed.incrementAndGet();
                    }, 64);
                    Thread.yield();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "ring-consumer");
        consumer.start();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            Thread thread = new Thread(() -> {
                for (int s = 0; s < perProducer; s++) {
                    int length = 14 + (s * 131 + producer * 17) % (s % 50 == 0 ? 65521 : 1500);
                    if (ring.offer(producer % 2 + 1, s, length, frame(producer, s, length), 3, length)) {
                        accepted.incrementAndGet();
                    }
                }
            }, "ring-producer-" + p);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(Await.DEADLINE_MILLIS);
            assertFalse(thread.isAlive(), "producers never wait");
        }
        producing.set(false);
        consumer.join(Await.DEADLINE_MILLIS);
        assertFalse(consumer.isAlive());
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(accepted.get(), consumed.get(), "every accepted record consumed");
        assertTrue(accepted.get() > 0);
    }
}
