package org.xenpv.capture.internal;

/**
 * The layout of a record in a {@link FrameRing}: a header, then the frame's
 * bytes, padded to {@link #ALIGNMENT}. Native little-endian, offsets from the
 * record's start, which is always {@link #ALIGNMENT}-aligned.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  length: the record's bytes, header and padding included;     |  0
 *  |          0 while unpublished (written last, with release)     |
 *  +---------------------------------------------------------------+
 *  |  type: pcapng epb_flags direction (1 in, 2 out), or PADDING   |  4
 *  +---------------------------------------------------------------+
 *  |  timestamp: nanoseconds since the epoch (64 bits)             |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  original length: the frame's bytes on the wire               | 16
 *  +---------------------------------------------------------------+
 *  |  captured length: the bytes that follow                       | 20
 *  +---------------------------------------------------------------+
 *  |  frame bytes ...                    padding to 8              | 24
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * A {@link #PADDING} record has only its length and type: it fills the end of
 * the ring when the next record does not fit there.
 */
final class RecordDescriptor {
    static final int ALIGNMENT = 8;
    static final int LENGTH_OFFSET = 0;
    static final int TYPE_OFFSET = 4;
    static final int TIMESTAMP_OFFSET = 8;
    static final int ORIGINAL_OFFSET = 16;
    static final int CAPTURED_OFFSET = 20;
    static final int HEADER_LENGTH = 24;
    /** The type of a record that only skips to the ring's end. */
    static final int PADDING = -1;
    /** The smallest record: a padding record's length and type. */
    static final int MIN_PADDING = ALIGNMENT;

    private RecordDescriptor() {
    }

    /** The bytes a record of {@code captured} frame bytes takes. */
    static int recordLength(int captured) {
        return align(HEADER_LENGTH + captured);
    }

    static int align(int length) {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
