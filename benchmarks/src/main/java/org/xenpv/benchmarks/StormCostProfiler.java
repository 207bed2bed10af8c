package org.xenpv.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Hands {@link StormBenchmark}'s figures of each iteration (CPU per second of
 * guest 1's threads, the storm's events and the guest's counts) to JMH as
 * secondary results, averaged over the iterations: its sampling mode takes no
 * {@code @AuxCounters}. Other benchmarks get none.
 */
public final class StormCostProfiler implements InternalProfiler {
    @Override
    public String getDescription() {
        return "StormBenchmark's CPU and event figures per iteration";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        StormBenchmark.lastIteration = Map.of();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        List<Result> figures = new ArrayList<>();
        StormBenchmark.lastIteration.forEach((label, value) -> figures.add(new ScalarResult(label, value,
                label.endsWith("Pct") ? "% of a core" : "/s", AggregationPolicy.AVG)));
        return figures;
    }
}
