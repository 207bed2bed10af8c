package org.xenpv.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time per operation of each of the benchmark JVM's threads that ran in
 * the iteration (user and system time, so the cost of waking and sleeping
 * is in it), by thread name: where a frame's work goes whatever share of the
 * machine the run got, which on a busy machine moves the throughput figures
 * far more than the code does. Threads of the same name add up (both
 * guests' event dispatchers, for example). Run with
 * {@code -prof org.xenpv.benchmarks.ThreadCpuProfiler}.
 */
public final class ThreadCpuProfiler implements InternalProfiler {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> cpuAtStart = new HashMap<>();

    @Override
    public String getDescription() {
        return "CPU ns per operation by thread name";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        cpuAtStart.clear();
        for (long id : threads.getAllThreadIds()) {
            cpuAtStart.put(id, threads.getThreadCpuTime(id));
        }
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        long ops = result.getMetadata().getMeasuredOps();
        Map<String, Long> byName = new TreeMap<>();
        for (long id : threads.getAllThreadIds()) {
            long now = threads.getThreadCpuTime(id);
            var info = threads.getThreadInfo(id);
            if (now < 0 || info == null) {
                continue;
            }
            long used = now - cpuAtStart.getOrDefault(id, 0L);
            String name = info.getThreadName().contains("jmh-worker") ? "jmh-worker" : info.getThreadName();
            if (used > 0) {
                byName.merge(name.startsWith("xenpv-") || name.equals("jmh-worker") ? name : "other", used, Long::sum);
            }
        }
        List<Result> figures = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, Long> entry : byName.entrySet()) {
            total += entry.getValue();
            figures.add(new ScalarResult("cpu." + entry.getKey(), ops == 0 ? 0 : (double) entry.getValue() / ops,
                    "ns/op", AggregationPolicy.AVG));
        }
        figures.add(new ScalarResult("cpu.total", ops == 0 ? 0 : (double) total / ops, "ns/op", AggregationPolicy.AVG));
        return figures;
    }
}
