package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.xenpv.netfront.StandaloneNetfront;

/** The data path's intervals are settings, checked where they are given, with what was wrong named. */
class NetfrontConfigTest {

    @Test
    void intervalsOutOfRangeAreRefusedNamingTheSetting() {
        for (long[] intervals : new long[][] {{-1, 500}, {1_000_001, 500}, {20, 0}, {20, 1_000_001}}) {
            IllegalArgumentException driver = assertThrows(IllegalArgumentException.class,
                    () -> new NetfrontConfig(1, 256, 256, 5_000, intervals[0], intervals[1]));
            assertTrue(driver.getMessage().contains("pollMicros " + intervals[0])
                    && driver.getMessage().contains("txCompletionMicros " + intervals[1]), driver.getMessage());
            IllegalArgumentException standalone = assertThrows(IllegalArgumentException.class,
                    () -> StandaloneNetfront.Settings.DEFAULTS.withIntervals(intervals[0], intervals[1]));
            assertTrue(standalone.getMessage().contains("txCompletionMicros " + intervals[1]), standalone.getMessage());
        }
    }

    @Test
    void theStandaloneDefaultsAreTheComponents() {
        StandaloneNetfront.Settings settings = StandaloneNetfront.Settings.DEFAULTS;
        NetfrontConfig config = NetfrontConfig.DEFAULTS;
        assertEquals(config.pollMicros(), settings.pollMicros());
        assertEquals(config.txCompletionMicros(), settings.txCompletionMicros());
        assertEquals(0, new NetfrontConfig(1, 256, 256, 5_000, 0, 1).pollNanos(), "no poll: the thread sleeps at once");
        assertEquals(1_000, new NetfrontConfig(1, 256, 256, 5_000, 0, 1).txCompletionNanos());
    }
}
