package org.xenpv.xenstore.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The payload of a successful reply. */
record XsReply(byte[] payload) {

    String text() {
        int end = payload.length;
        while (end > 0 && payload[end - 1] == 0) {
            end--;
        }
        return new String(payload, 0, end, StandardCharsets.UTF_8);
    }

    /** The NUL-terminated strings of the payload. */
    List<String> strings() {
        List<String> strings = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                strings.add(new String(payload, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < payload.length) {
            strings.add(new String(payload, start, payload.length - start, StandardCharsets.UTF_8));
        }
        return strings;
    }
}
