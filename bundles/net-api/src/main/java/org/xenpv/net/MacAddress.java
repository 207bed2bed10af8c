package org.xenpv.net;

import java.nio.ByteBuffer;
import java.util.Locale;

/** A 48-bit Ethernet address. */
public record MacAddress(long value) {
    public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);

    public MacAddress {
        if ((value & ~0xffff_ffff_ffffL) != 0) {
            throw new IllegalArgumentException("not a 48-bit address: " + Long.toHexString(value));
        }
    }

    /**
     * Parses "00:16:3e:12:34:56" (hex pairs separated by colons).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static MacAddress parse(String text) {
        String[] parts = text.trim().split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address like 00:16:3e:12:34:56");
        }
        long value = 0;
        for (String part : parts) {
            if (part.length() != 2) {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address like 00:16:3e:12:34:56");
            }
            try {
                value = value << 8 | Integer.parseInt(part, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address like 00:16:3e:12:34:56", e);
            }
        }
        return new MacAddress(value);
    }

    /** The address in the six bytes at {@code offset} of {@code frame} (absolute, position untouched). */
    public static MacAddress read(ByteBuffer frame, int offset) {
        long value = 0;
        for (int i = 0; i < 6; i++) {
            value = value << 8 | (frame.get(offset + i) & 0xff);
        }
        return new MacAddress(value);
    }

    /** Writes the six bytes at {@code offset} of {@code frame} (absolute). */
    public void write(ByteBuffer frame, int offset) {
        for (int i = 0; i < 6; i++) {
            frame.put(offset + i, (byte) (value >>> (40 - 8 * i)));
        }
    }

    public boolean isMulticast() {
        return (value >>> 40 & 1) != 0;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                text.append(':');
            }
            text.append(String.format(Locale.ROOT, "%02x", value >>> (40 - 8 * i) & 0xff));
        }
        return text.toString();
    }
}
