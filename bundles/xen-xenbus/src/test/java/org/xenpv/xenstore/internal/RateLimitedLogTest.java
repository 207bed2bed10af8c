package org.xenpv.xenstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

class RateLimitedLogTest {

    @Test
    void aBurstPerIntervalThenOneLineSayingHowManyWereHeldBack() {
        List<String> lines = new ArrayList<>();
        Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("warn")) {
                        Object[] values = args.length > 1 && args[1] instanceof Object[] array ? array
                                : java.util.Arrays.copyOfRange(args, 1, args.length);
                        lines.add(MessageFormatter.arrayFormat((String) args[0], values).getMessage());
                    }
                    return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
                });
        AtomicLong now = new AtomicLong(1_000);
        RateLimitedLog log = new RateLimitedLog(logger, 3, 1, TimeUnit.SECONDS, now::get);

        for (int i = 0; i < 3; i++) {
            assertTrue(log.warn("bad {}", i));
        }
        for (int i = 0; i < 1000; i++) {
            assertFalse(log.warn("bad {}", i));
        }
        assertEquals(3, lines.size(), "no more than the burst");
        assertEquals(1000, log.suppressed());

        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
        assertFalse(log.warn("bad {}", "still"), "the interval has not passed");
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertTrue(log.warn("bad {}", "again"));
        assertEquals(List.of("bad 0", "bad 1", "bad 2", "(1001 similar warnings suppressed)", "bad again"), lines);
        assertEquals(0, log.suppressed());
    }
}
