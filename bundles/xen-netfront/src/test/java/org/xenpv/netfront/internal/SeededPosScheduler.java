package org.xenpv.netfront.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;

import org.pastalab.fray.core.ThreadContext;
import org.pastalab.fray.core.randomness.ControlledRandom;
import org.pastalab.fray.core.randomness.Randomness;
import org.pastalab.fray.core.scheduler.POSScheduler;
import org.pastalab.fray.core.scheduler.Scheduler;

/**
 * Fray's partial-order sampling (POS) scheduler, its choices drawn from a
 * fixed seed ({@code -Dxenpv.fray.seed}, default 26) instead of a new random
 * source per run, so that the schedules CI explores depend on the commit.
 */
public final class SeededPosScheduler extends Scheduler {
    private final Scheduler delegate;
    private final Random seeds;

    public SeededPosScheduler() {
        this(new Random(Long.getLong("xenpv.fray.seed", 26L)));
    }

    /** Fray's constructor for a replay of recorded choices. */
    public SeededPosScheduler(Randomness recorded) {
        this(new POSScheduler(recorded), new Random(0));
    }

    private SeededPosScheduler(Random seeds) {
        this(new POSScheduler(choices(seeds)), seeds);
    }

    private SeededPosScheduler(Scheduler delegate, Random seeds) {
        super(delegate.getRand());
        this.delegate = delegate;
        this.seeds = seeds;
    }

    private static Randomness choices(Random seeds) {
        return new ControlledRandom(new ArrayList<>(), new ArrayList<>(), new Random(seeds.nextLong()));
    }

    @Override
    public ThreadContext scheduleNextOperation(List<ThreadContext> runnable, Collection<ThreadContext> all) {
        return delegate.scheduleNextOperation(runnable, all);
    }

    @Override
    public Scheduler nextIteration(Randomness ignored) {
        return new SeededPosScheduler(delegate.nextIteration(choices(seeds)), seeds);
    }
}
