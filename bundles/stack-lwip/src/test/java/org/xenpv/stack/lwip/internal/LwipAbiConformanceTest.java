package org.xenpv.stack.lwip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.xenpv.abi.NativeProgram;

/**
 * Every structure offset and constant that LwipAbi hard-codes, against a C program compiled
 * with Debian's liblwip-dev headers: the layout the library was built with.
 */
class LwipAbiConformanceTest {
    private static final String HEADER = "/usr/include/lwip/lwip/netif.h";
    private static final String LIBRARY = "/usr/lib/x86_64-linux-gnu/liblwip.so.0";

    /** Skips (or in CI fails) the calling test when Debian's lwIP is not installed. */
    static void requireLwip() {
        NativeProgram.require(LIBRARY, LwipRuntime.DEBIAN_PACKAGE);
    }

    @Test
    void everyLayoutAndConstantMatchesTheHeaders() throws Exception {
        NativeProgram facts = NativeProgram.compile("lwip_facts", HEADER, "liblwip-dev", "-I/usr/include/lwip");
        Map<String, Long> fromC = new TreeMap<>();
        for (String line : facts.run("").split("\n")) {
            if (line.contains("=")) {
                fromC.put(line.substring(0, line.indexOf('=')), Long.parseLong(line.substring(line.indexOf('=') + 1)));
            }
        }
        Map<String, Long> fromJava = new TreeMap<>();
        for (Field field : LwipAbi.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers())) {
                field.setAccessible(true);
                fromJava.put(field.getName(), ((Number) field.get(null)).longValue());
            }
        }
        assertEquals(fromC, fromJava);
    }
}
