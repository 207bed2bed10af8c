package org.xenpv.sim.xenstore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.xenpv.abi.xs.XsError;
import org.xenpv.abi.xs.XsWire;

/** One xs_wire message: header fields and payload. */
record XsMessage(int type, int requestId, int transactionId, byte[] payload) {

    static XsMessage of(int type, int requestId, int transactionId, String payload) {
        return new XsMessage(type, requestId, transactionId, payload.getBytes(StandardCharsets.UTF_8));
    }

    ByteBuffer encode() {
        ByteBuffer buffer = ByteBuffer.allocate(XsWire.HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(type).putInt(requestId).putInt(transactionId).putInt(payload.length).put(payload);
        return buffer.flip();
    }

    /**
     * The payload as {@code count} NUL-terminated strings (more are allowed
     * when {@code count} is negative: then every NUL-terminated string).
     *
     * @throws XsRefusal EINVAL when the payload is not that many NUL-terminated strings
     */
    List<String> strings(int count) throws XsRefusal {
        List<String> strings = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                strings.add(new String(payload, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start != payload.length) {
            throw new XsRefusal(XsError.EINVAL, "argument without its terminating NUL");
        }
        if (count >= 0 && strings.size() != count) {
            throw new XsRefusal(XsError.EINVAL, strings.size() + " arguments, expected " + count);
        }
        return strings;
    }

    /** The first NUL-terminated string; what follows it is {@link #rest()}. */
    String first() throws XsRefusal {
        int nul = indexOfNul();
        if (nul < 0) {
            throw new XsRefusal(XsError.EINVAL, "argument without its terminating NUL");
        }
        return new String(payload, 0, nul, StandardCharsets.UTF_8);
    }

    byte[] rest() throws XsRefusal {
        int nul = indexOfNul();
        if (nul < 0) {
            throw new XsRefusal(XsError.EINVAL, "argument without its terminating NUL");
        }
        byte[] rest = new byte[payload.length - nul - 1];
        System.arraycopy(payload, nul + 1, rest, 0, rest.length);
        return rest;
    }

    private int indexOfNul() {
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
