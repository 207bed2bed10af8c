package org.xenpv.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import com.sun.jna.Memory;

/** The bytes the provider hands to each ioctl, at the offsets the conformance test checks. */
class StructEncodingTest {

    @Test
    void hypercallCarriesTheOpAndFiveArgumentsUnusedOnesZero() {
        try (Memory call = LinuxHypercallPort.encodeHypercall(17, 0x1122334455667788L, -1)) {
            assertEquals(48, call.size());
            assertEquals(17, call.getLong(0));
            assertEquals(0x1122334455667788L, call.getLong(8));
            assertEquals(-1, call.getLong(16));
            for (int arg = 2; arg < 5; arg++) {
                assertEquals(0, call.getLong(8 + 8L * arg), "argument " + arg);
            }
            assertEquals(0x88, call.getByte(8) & 0xff, "little-endian");
        }
    }

    @Test
    void bindInterdomainCarriesDomainThenPort() {
        try (Memory argument = LinuxEventChannelPort.encodeBindInterdomain(3, 0x1234)) {
            assertEquals(8, argument.size());
            assertEquals(3, argument.getInt(0));
            assertEquals(0x1234, argument.getInt(4));
        }
    }

    @Test
    void allocGrefLeavesRoomForEveryReferenceAndSetsTheWritableFlag() {
        try (Memory request = LinuxGrantAllocPort.encodeAllocGref(0x7fef, 5, true)) {
            assertEquals(16 + 4 * 5, request.size());
            assertEquals((short) 0x7fef, request.getShort(0));
            assertEquals(LinuxUapi.GNTALLOC_FLAG_WRITABLE, request.getShort(2));
            assertEquals(5, request.getInt(4));
            assertEquals(0, request.getLong(8), "index is the kernel's to fill");
        }
        try (Memory request = LinuxGrantAllocPort.encodeAllocGref(0, 1, false)) {
            assertEquals(24, request.size(), "never smaller than the struct");
            assertEquals(0, request.getShort(2));
        }
    }

    @Test
    void unmapNotifyCarriesIndexActionAndPort() {
        try (Memory request = LinuxGrantAllocPort.encodeUnmapNotify(0x10000 + 12, LinuxUapi.UNMAP_NOTIFY_SEND_EVENT, 9)) {
            assertEquals(16, request.size());
            assertEquals(0x1000c, request.getLong(0));
            assertEquals(2, request.getInt(8));
            assertEquals(9, request.getInt(12));
        }
    }
}
