package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The data path's intervals are settings, checked where they are given, with what was wrong named. */
class NetfrontConfigTest {

    @Test
    void intervalsOutOfRangeAreRefusedNamingTheSetting() {
        for (long[] intervals : new long[][] {{-1, 500}, {1_000_001, 500}, {20, 0}, {20, 1_000_001}}) {
            IllegalArgumentException driver = assertThrows(IllegalArgumentException.class,
                    () -> new NetfrontConfig(1, 256, 256, 5_000, intervals[0], intervals[1]));
            assertTrue(driver.getMessage().contains("pollMicros " + intervals[0])
                    && driver.getMessage().contains("txCompletionMicros " + intervals[1]), driver.getMessage());
        }
    }

    @Test
    void intervalsAreTakenInNanoseconds() {
        assertEquals(0, new NetfrontConfig(1, 256, 256, 5_000, 0, 1).pollNanos(), "no poll: the thread sleeps at once");
        assertEquals(1_000, new NetfrontConfig(1, 256, 256, 5_000, 0, 1).txCompletionNanos());
    }
}
