package org.xenpv.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class ByteRangeTest {
    private static ByteRange of(String header, long size) {
        return ByteRange.of(Optional.ofNullable(header), size);
    }

    @Test
    void singleRangesAreClippedToTheFile() {
        assertEquals(new ByteRange.Part(0, 0), of("bytes=0-0", 10));
        assertEquals(new ByteRange.Part(2, 9), of("bytes=2-", 10));
        assertEquals(new ByteRange.Part(2, 9), of("bytes=2-99999999999999999999999", 10));
        assertEquals(new ByteRange.Part(7, 9), of("bytes=-3", 10));
        assertEquals(new ByteRange.Part(0, 9), of("bytes=-30", 10));
        assertEquals(new ByteRange.Part(1, 2), of(" BYTES = 1 - 2 ", 10));
    }

    @Test
    void rangesPastTheEndAreUnsatisfiable() {
        assertEquals(new ByteRange.Unsatisfiable(), of("bytes=10-", 10));
        assertEquals(new ByteRange.Unsatisfiable(), of("bytes=99999999999999999999999-", 10));
        assertEquals(new ByteRange.Unsatisfiable(), of("bytes=-0", 10));
        assertEquals(new ByteRange.Unsatisfiable(), of("bytes=-5", 0));
        assertEquals(new ByteRange.Unsatisfiable(), of("bytes=0-", 0));
    }

    @Test
    void anythingElseGetsTheWholeFile() {
        for (String header : new String[] {null, "", "bytes", "bytes=", "bytes=-", "bytes=5-1", "bytes=a-b",
            "bytes=1-2,4-5", "lines=1-2", "bytes=+1-2", "bytes=1--2"}) {
            assertEquals(new ByteRange.Whole(), of(header, 10), String.valueOf(header));
        }
    }
}
