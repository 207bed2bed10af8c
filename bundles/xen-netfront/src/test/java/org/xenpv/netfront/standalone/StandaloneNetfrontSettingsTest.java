package org.xenpv.netfront.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.xenpv.netfront.internal.NetfrontConfig;

/** The standalone driver's settings are the component's: the same defaults, the same ranges. */
class StandaloneNetfrontSettingsTest {

    @Test
    void theDefaultsAreTheComponents() {
        StandaloneNetfront.Settings settings = StandaloneNetfront.Settings.DEFAULTS;
        NetfrontConfig config = NetfrontConfig.DEFAULTS;
        assertEquals(new NetfrontConfig(settings.maxQueues(), settings.txBuffers(), settings.rxBuffers(),
                settings.closeTimeoutMillis(), settings.pollMicros(), settings.txCompletionMicros()), config);
    }

    @Test
    void intervalsOutOfRangeAreRefusedNamingTheSetting() {
        for (long[] intervals : new long[][] {{-1, 500}, {1_000_001, 500}, {20, 0}, {20, 1_000_001}}) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> StandaloneNetfront.Settings.DEFAULTS.withIntervals(intervals[0], intervals[1]));
            assertTrue(refused.getMessage().contains("pollMicros " + intervals[0])
                    && refused.getMessage().contains("txCompletionMicros " + intervals[1]), refused.getMessage());
        }
    }
}
