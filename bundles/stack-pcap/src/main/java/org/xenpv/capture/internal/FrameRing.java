package org.xenpv.capture.internal;

import static org.xenpv.capture.internal.RecordDescriptor.ALIGNMENT;
import static org.xenpv.capture.internal.RecordDescriptor.CAPTURED_OFFSET;
import static org.xenpv.capture.internal.RecordDescriptor.HEADER_LENGTH;
import static org.xenpv.capture.internal.RecordDescriptor.LENGTH_OFFSET;
import static org.xenpv.capture.internal.RecordDescriptor.MIN_PADDING;
import static org.xenpv.capture.internal.RecordDescriptor.ORIGINAL_OFFSET;
import static org.xenpv.capture.internal.RecordDescriptor.PADDING;
import static org.xenpv.capture.internal.RecordDescriptor.TIMESTAMP_OFFSET;
import static org.xenpv.capture.internal.RecordDescriptor.TYPE_OFFSET;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A bounded ring of frame records in one preallocated array: many producers
 * (a Nic's data-path threads), one consumer (the capture's writer). Producers
 * never wait: when the space is not there, {@link #offer} says so and the
 * caller counts the frame as dropped. Records are laid out as
 * {@link RecordDescriptor} says.
 *
 * <p>The protocol, in three steps:
 * <ol>
 * <li>A producer claims {@code [tail, tail + n)} with a CAS on {@code tail},
 *     after checking against an acquire load of {@code head} that the space is
 *     free. A record that would cross the end of the array is preceded by a
 *     {@link RecordDescriptor#PADDING} record up to the end, claimed with it.
 * <li>It writes the record's header and bytes with plain stores, then
 *     publishes it with a release store of its length (the length word of a
 *     free slot is 0).
 * <li>The consumer reads the length at {@code head} with an acquire load: 0
 *     means not yet published, and it stops there (records are consumed in
 *     claim order). Otherwise it reads the record, zeroes its bytes (so that
 *     whatever record is claimed there next reads as unpublished until its
 *     producer publishes it) and frees them with a release store of {@code head}.
 * </ol>
 * The release store of {@code head} orders the zeroing before any producer's
 * later stores into that space; the release store of a length orders the
 * record's bytes before the consumer reads them.
 */
final class FrameRing {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle POSITION;

    static {
        try {
            POSITION = MethodHandles.lookup().findVarHandle(PaddedPosition.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A position alone on its cache line: producers hammer {@code tail}, the consumer {@code head}. */
    @SuppressWarnings("unused")
    static final class PaddedPosition {
        private long p1, p2, p3, p4, p5, p6, p7;
        volatile long value;
        private long q1, q2, q3, q4, q5, q6, q7;
    }

    /** What the consumer does with one frame record; the bytes are valid only during the call. */
    @FunctionalInterface
    interface RecordHandler {
        void onFrame(int type, long timestamp, int originalLength, byte[] buffer, int offset, int capturedLength)
                throws IOException;
    }

    private final byte[] buffer;
    private final int capacity;
    private final int mask;
    private final int maxCaptured;
    private final PaddedPosition tail = new PaddedPosition();
    private final PaddedPosition head = new PaddedPosition();

    /**
     * @param capacity bytes, a power of two large enough for two records of {@code maxCaptured} bytes
     * @param maxCaptured the most bytes one record carries
     */
    FrameRing(int capacity, int maxCaptured) {
        if (Integer.bitCount(capacity) != 1 || capacity < 2 * RecordDescriptor.recordLength(maxCaptured)) {
            throw new IllegalArgumentException("ring capacity " + capacity + " must be a power of two of at least"
                    + " two records of " + maxCaptured + " bytes");
        }
        this.buffer = new byte[capacity];
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.maxCaptured = maxCaptured;
    }

    int capacity() {
        return capacity;
    }

    /**
     * Copies {@code length} bytes of {@code source} from {@code offset} (absolute
     * gets: the source's position and limit are left alone) into a new record.
     * Never blocks, allocates nothing.
     *
     * @return false when the ring has no room for the record
     */
    boolean offer(int type, long timestamp, int originalLength, ByteBuffer source, int offset, int length) {
        if (length < 0 || length > maxCaptured || type == PADDING) {
            throw new IllegalArgumentException("record of type " + type + " with " + length + " bytes");
        }
        int recordLength = RecordDescriptor.recordLength(length);
        long claimed;
        int index;
        int padding;
        do {
            claimed = (long) POSITION.getVolatile(tail);
            index = (int) claimed & mask;
            int toEnd = capacity - index;
            padding = recordLength > toEnd ? toEnd : 0;
            if (claimed + padding + recordLength - (long) POSITION.getAcquire(head) > capacity) {
                return false;
            }
        } while (!POSITION.compareAndSet(tail, claimed, claimed + padding + recordLength));

        if (padding != 0) {
            INT.set(buffer, index + TYPE_OFFSET, PADDING);
            INT.setRelease(buffer, index + LENGTH_OFFSET, padding);
            index = 0;
        }
        boolean written = false;
        try {
            INT.set(buffer, index + TYPE_OFFSET, type);
            LONG.set(buffer, index + TIMESTAMP_OFFSET, timestamp);
            INT.set(buffer, index + ORIGINAL_OFFSET, originalLength);
            INT.set(buffer, index + CAPTURED_OFFSET, length);
            source.get(offset, buffer, index + HEADER_LENGTH, length);
            written = true;
        } finally {
            if (!written) {
                INT.set(buffer, index + TYPE_OFFSET, PADDING); // the claimed space is skipped, never left unpublished
            }
            INT.setRelease(buffer, index + LENGTH_OFFSET, recordLength);
        }
        return written;
    }

    /**
     * Hands up to {@code limit} published records to {@code handler}, in claim
     * order, freeing each after its call (also when the call throws). Consumer
     * thread only.
     *
     * @return how many frame records were handed over
     */
    int drain(RecordHandler handler, int limit) throws IOException {
        long position = (long) POSITION.getOpaque(head);
        int frames = 0;
        while (frames < limit) {
            int index = (int) position & mask;
            int length = (int) INT.getAcquire(buffer, index + LENGTH_OFFSET);
            if (length == 0) {
                break;
            }
            if (length < MIN_PADDING || length % ALIGNMENT != 0 || length > capacity - index) {
                throw new IllegalStateException("corrupt capture ring: record of " + length + " bytes at " + index);
            }
            int type = (int) INT.get(buffer, index + TYPE_OFFSET);
            try {
                if (type != PADDING) {
                    frames++;
                    handler.onFrame(type, (long) LONG.get(buffer, index + TIMESTAMP_OFFSET),
                            (int) INT.get(buffer, index + ORIGINAL_OFFSET), buffer, index + HEADER_LENGTH,
                            (int) INT.get(buffer, index + CAPTURED_OFFSET));
                }
            } finally {
                Arrays.fill(buffer, index, index + length, (byte) 0);
                position += length;
                POSITION.setRelease(head, position);
            }
        }
        return frames;
    }

    /** Whether every claimed record has been consumed (a producer may be between its claim and its publish). */
    boolean isEmpty() {
        return (long) POSITION.getVolatile(tail) == (long) POSITION.getVolatile(head);
    }
}
