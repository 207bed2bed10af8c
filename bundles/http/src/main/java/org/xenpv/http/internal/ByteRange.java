package org.xenpv.http.internal;

import java.util.Locale;
import java.util.Optional;

/**
 * What a Range header asks of a file of a known size (RFC 9110, 14.1.2). Only
 * single byte ranges are served in part; several ranges, another unit or a
 * header that does not parse get the whole file, as the RFC lets a server.
 */
sealed interface ByteRange {
    /** Serve the whole file with 200. */
    record Whole() implements ByteRange {
    }

    /** Serve bytes first to last, inclusive, with 206. */
    record Part(long first, long last) implements ByteRange {
        long length() {
            return last - first + 1;
        }
    }

    /** Nothing of the file is in the range: 416. */
    record Unsatisfiable() implements ByteRange {
    }

    static ByteRange of(Optional<String> header, long size) {
        if (header.isEmpty()) {
            return new Whole();
        }
        String value = header.get().trim();
        int equals = value.indexOf('=');
        if (equals < 0 || !value.substring(0, equals).trim().toLowerCase(Locale.ROOT).equals("bytes")) {
            return new Whole();
        }
        String spec = value.substring(equals + 1).trim();
        if (spec.indexOf(',') >= 0) {
            return new Whole();
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new Whole();
        }
        String from = spec.substring(0, dash).trim();
        String to = spec.substring(dash + 1).trim();
        if (from.isEmpty()) {
            long suffix = number(to);
            if (suffix < 0) {
                return new Whole();
            }
            if (suffix == 0 || size == 0) {
                return new Unsatisfiable();
            }
            return new Part(Math.max(0, size - suffix), size - 1);
        }
        long first = number(from);
        if (first < 0) {
            return new Whole();
        }
        long last;
        if (to.isEmpty()) {
            last = Long.MAX_VALUE;
        } else {
            last = number(to);
            if (last < first) {
                return new Whole(); // syntactically invalid: the header is ignored
            }
        }
        if (first >= size) {
            return new Unsatisfiable();
        }
        return new Part(first, Math.min(last, size - 1));
    }

    /** Digits only; a number too large for a long counts as the largest; -1 when not a number. */
    private static long number(String digits) {
        if (digits.isEmpty()) {
            return -1;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return -1;
            }
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
