package org.xenpv.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import javax.imageio.ImageIO;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark with its same-run baselines and JMH's {@code gc}
 * profiler, and writes into one folder: {@code results.json} (JMH's own
 * JSON), {@code summary.md} (the tables of docs/performance.md, each figure
 * with its ratio to the baseline) and {@code chart.png}.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.xenpv.benchmarks.PerformanceReport [folder] [--quick]</pre>
 *
 * {@code --quick} runs one short iteration of each, to check the harness, not to measure.
 *
 * The folder defaults to {@code target/performance}; docs/performance/ holds
 * the run the documentation reports.
 */
public final class PerformanceReport {
    static final int[] SIZES = {64, 512, 1514, 9014, 65535};
    private static final String BENCHMARKS = "org.xenpv.benchmarks.";

    private PerformanceReport() {
    }

    public static void main(String[] args) throws IOException, RunnerException {
        Path folder = Path.of(args.length > 0 ? args[0] : "target/performance");
        boolean quick = args.length > 1 && args[1].equals("--quick");
        Files.createDirectories(folder);
        OptionsBuilder builder = new OptionsBuilder();
        if (quick) {
            builder.warmupIterations(1).measurementIterations(1)
                    .warmupTime(TimeValue.milliseconds(300)).measurementTime(TimeValue.milliseconds(500));
        }
        Options options = builder
                .include(BENCHMARKS + "(SimHostThroughput|NetfrontTransmit|NetfrontReceive|PingPong|Storm)Benchmark")
                .include(BENCHMARKS + "(SpscRing|SpscRingOneThread|Copy|SpscPingPong|SpscParkingPingPong|ParkingRelay)Baseline")
                .addProfiler(GCProfiler.class)
                .addProfiler(StormCostProfiler.class)
                .resultFormat(ResultFormatType.JSON)
                .result(folder.resolve("results.json").toString())
                .build();
        Collection<RunResult> results = new Runner(options).run();
        Figures figures = new Figures(results);
        Files.writeString(folder.resolve("summary.md"), figures.markdown());
        ImageIO.write(figures.chart(), "png", folder.resolve("chart.png").toFile());
        System.out.println(figures.markdown());
    }

    /** The results by benchmark and parameters, and the tables made of them. */
    static final class Figures {
        private final Map<String, RunResult> byKey = new TreeMap<>();

        Figures(Collection<RunResult> results) {
            for (RunResult result : results) {
                byKey.put(key(result), result);
            }
        }

        private static String key(RunResult result) {
            String benchmark = result.getParams().getBenchmark();
            String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            StringBuilder key = new StringBuilder(name);
            for (String param : result.getParams().getParamsKeys()) {
                key.append(' ').append(param).append('=').append(result.getParams().getParam(param));
            }
            return key.toString();
        }

        private RunResult find(String key) {
            return byKey.get(key);
        }

        private static double secondary(RunResult result, String label) {
            if (result == null) {
                return Double.NaN;
            }
            Result<?> value = result.getSecondaryResults().get(label);
            return value == null ? Double.NaN : value.getScore();
        }

        private static double primary(RunResult result) {
            return result == null ? Double.NaN : result.getPrimaryResult().getScore();
        }

        double spsc(int size) {
            return secondary(find("SpscRingBaseline.spsc size=" + size), "consume");
        }

        double spscOneThread(int size) {
            return primary(find("SpscRingOneThreadBaseline.carry size=" + size));
        }

        double copies(int size) {
            return primary(find("CopyBaseline.copy size=" + size));
        }

        RunResult simHost(int size, int queues) {
            return find("SimHostThroughputBenchmark.offer queues=" + queues + " size=" + size);
        }

        double simHostDelivered(int size, int queues) {
            return secondary(simHost(size, queues), "delivered");
        }

        double transmit(int size) {
            return primary(find("NetfrontTransmitBenchmark.transmit size=" + size));
        }

        double receive(int size) {
            return secondary(find("NetfrontReceiveBenchmark.receive size=" + size), "delivered");
        }

        String markdown() {
            StringBuilder out = new StringBuilder();
            out.append("### Baselines (same run)\n\n")
                    .append("| frame bytes | SPSC ring, two threads, frames/s | Gbit/s | SPSC ring, one thread,"
                            + " frames/s | one copy, copies/s |\n")
                    .append("| ---: | ---: | ---: | ---: | ---: |\n");
            for (int size : SIZES) {
                out.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s |%n", size, count(spsc(size)),
                        gbits(spsc(size), size), count(spscOneThread(size)), count(copies(size))));
            }
            out.append("\n### Netfront alone (one queue, the least backend)\n\n")
                    .append("| frame bytes | TX frames/s (one thread) | ratio to SPSC one thread | TX B/frame"
                            + " | RX frames/s (two threads) | ratio to SPSC two threads | RX B/frame |\n")
                    .append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (int size : SIZES) {
                RunResult tx = find("NetfrontTransmitBenchmark.transmit size=" + size);
                RunResult rx = find("NetfrontReceiveBenchmark.receive size=" + size);
                if (tx == null && rx == null) {
                    continue;
                }
                out.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s |%n", size,
                        count(transmit(size)), ratio(transmit(size), spscOneThread(size)),
                        bytes(secondary(tx, "gc.alloc.rate.norm")), count(receive(size)),
                        ratio(receive(size), spsc(size)), bytes(rxBytesPerFrame(rx))));
            }
            out.append("\n### Simulated host, end to end (full rings)\n\n")
                    .append("| frame bytes | queues | offered frames/s | delivered frames/s | delivered Gbit/s"
                            + " | ratio to SPSC | lost per million | B allocated/frame |\n")
                    .append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (int size : SIZES) {
                for (int queues = 1; queues <= 2; queues++) {
                    RunResult result = simHost(size, queues);
                    if (result == null) {
                        continue;
                    }
                    double offered = primary(result);
                    double delivered = secondary(result, "delivered");
                    double lost = secondary(result, "lost");
                    out.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s |%n",
                            size == 65535 ? "65535 (GSO)" : Integer.toString(size), queues, count(offered),
                            count(delivered), gbits(delivered, size), ratio(delivered, spsc(size)),
                            String.format(Locale.ROOT, "%.0f", lost / offered * 1e6),
                            bytes(secondary(result, "gc.alloc.rate.norm"))));
                }
            }
            out.append("\n### Round trip of a 64-byte frame\n\n")
                    .append("| path | median µs | 99th percentile µs | samples |\n")
                    .append("| --- | ---: | ---: | ---: |\n");
            latency(out, "two Nics across the simulated host", find("PingPongBenchmark.roundTrip"));
            latency(out, "baseline: two SPSC rings between two threads", find("SpscPingPongBaseline.roundTrip"));
            latency(out, "baseline: the same, both threads parking while they wait (two wake-ups)",
                    find("SpscParkingPingPongBaseline.roundTrip"));
            RunResult relay = find("ParkingRelayBaseline.roundTrip wakeUps=4");
            latency(out, "baseline: a relay of as many parking threads as the round trip wakes (four)", relay);
            floorRatio(out, find("PingPongBenchmark.roundTrip"), relay);
            storm(out, find("StormBenchmark.roundTrip storm=off"), find("StormBenchmark.roundTrip storm=on"),
                    find("StormBenchmark.roundTrip storm=control"));
            return out.toString();
        }

        /** The receive benchmark's op is a frame filled: bytes per op are bytes per frame delivered. */
        private static double rxBytesPerFrame(RunResult rx) {
            return secondary(rx, "gc.alloc.rate.norm");
        }

        /** The round trip across the simulated host against its floor, the relay, at the median and the 99th. */
        private static void floorRatio(StringBuilder out, RunResult roundTrip, RunResult relay) {
            if (roundTrip == null || relay == null) {
                return;
            }
            var across = roundTrip.getPrimaryResult().getStatistics();
            var floor = relay.getPrimaryResult().getStatistics();
            out.append(String.format(Locale.ROOT, "| across the host ÷ the relay (targets 1.5 and 2) | %.2f | %.2f | |%n",
                    across.getPercentile(50) / floor.getPercentile(50),
                    across.getPercentile(99) / floor.getPercentile(99)));
        }

        private static void latency(StringBuilder out, String label, RunResult result) {
            if (result == null) {
                return;
            }
            var statistics = result.getPrimaryResult().getStatistics();
            out.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %d |%n", label, statistics.getPercentile(50),
                    statistics.getPercentile(99), statistics.getN()));
        }

        /**
         * The round trip between guest 1's vif-1 and guest 2's vif-0 with and
         * without a storm on guest 1's vif-0, and what the storm cost guest 1;
         * beside them the control (the same storm sent to a domain nobody
         * serves), whose cost is the simulator's own: on ÷ control is the guest's.
         */
        private static void storm(StringBuilder out, RunResult off, RunResult on, RunResult control) {
            if (off == null || on == null) {
                return;
            }
            var calm = off.getPrimaryResult().getStatistics();
            var stormed = on.getPrimaryResult().getStatistics();
            var aside = control == null ? null : control.getPrimaryResult().getStatistics();
            out.append("\n### Event storm on another vif of the same guest (round trip of 64 bytes on vif-1)\n\n")
                    .append("| figure | storm off | storm on | control | on ÷ off | on ÷ control |\n")
                    .append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
            stormRow(out, "median round trip µs", calm.getPercentile(50), stormed.getPercentile(50),
                    aside == null ? Double.NaN : aside.getPercentile(50), "%.1f");
            stormRow(out, "99th percentile µs", calm.getPercentile(99), stormed.getPercentile(99),
                    aside == null ? Double.NaN : aside.getPercentile(99), "%.1f");
            stormRow(out, "samples", calm.getN(), stormed.getN(), aside == null ? Double.NaN : aside.getN(), "%.0f");
            String[][] figures = {{"dispatcherPct", "guest 1's event dispatcher, % of a core", "%.3f"},
                {"vif0ThreadsPct", "guest 1's vif-0 threads, % of a core", "%.3f"},
                {"stormThreadPct", "simulated backend's storm thread (dom0's), % of a core", "%.1f"},
                {"stormEventsPerSec", "events the backend sent per s", "%.0f"},
                {"spuriousPerSec", "spurious events guest 1 handled per s", "%.1f"},
                {"delayedRearmsPerSec", "delayed re-arms per s", "%.1f"}};
            for (String[] figure : figures) {
                stormRow(out, figure[1], secondary(off, figure[0]), secondary(on, figure[0]),
                        control == null ? Double.NaN : secondary(control, figure[0]), figure[2]);
            }
        }

        private static void stormRow(StringBuilder out, String label, double off, double on, double control,
                String format) {
            out.append("| ").append(label).append(" | ").append(String.format(Locale.ROOT, format, off))
                    .append(" | ").append(String.format(Locale.ROOT, format, on)).append(" | ")
                    .append(Double.isNaN(control) ? "-" : String.format(Locale.ROOT, format, control)).append(" | ")
                    .append(off > 0 ? String.format(Locale.ROOT, "%.2f", on / off) : "-").append(" | ")
                    .append(control > 0 ? String.format(Locale.ROOT, "%.2f", on / control) : "-").append(" |\n");
        }

        private static String count(double value) {
            if (Double.isNaN(value)) {
                return "-";
            }
            return value >= 1e6 ? String.format(Locale.ROOT, "%.2f M", value / 1e6)
                    : String.format(Locale.ROOT, "%.0f k", value / 1e3);
        }

        private static String gbits(double frames, int size) {
            return Double.isNaN(frames) ? "-" : String.format(Locale.ROOT, "%.2f", frames * size * 8 / 1e9);
        }

        private static String ratio(double value, double baseline) {
            return Double.isNaN(value) || Double.isNaN(baseline) ? "-"
                    : String.format(Locale.ROOT, "%.3f", value / baseline);
        }

        private static String bytes(double value) {
            return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
        }

        /** Ratios to the SPSC baseline by frame size, one bar per path, on a log scale. */
        BufferedImage chart() {
            String[] series = {"netfront TX alone (1 thread)", "netfront RX alone", "sim host, 1 queue",
                "sim host, 2 queues"};
            Color[] colours = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728)};
            List<double[]> values = new ArrayList<>();
            for (int size : SIZES) {
                double base = spsc(size);
                values.add(new double[] {transmit(size) / spscOneThread(size), receive(size) / base,
                    simHostDelivered(size, 1) / base, simHostDelivered(size, 2) / base});
            }
            int width = 960;
            int height = 540;
            int left = 80;
            int right = 20;
            int top = 60;
            int bottom = 90;
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString("xenpv frames/s ÷ Agrona SPSC ring, same run (log scale; TX alone ÷ the one-thread ring)",
                    left, 30);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            double minLog = -4;
            double maxLog = 1;
            int plotHeight = height - top - bottom;
            int plotWidth = width - left - right;
            for (int exponent = (int) minLog; exponent <= (int) maxLog; exponent++) {
                int y = top + (int) ((maxLog - exponent) / (maxLog - minLog) * plotHeight);
                g.setColor(new Color(0xdddddd));
                g.drawLine(left, y, width - right, y);
                g.setColor(Color.BLACK);
                g.drawString(exponent == 0 ? "1" : "1e" + exponent, 30, y + 4);
            }
            int groupWidth = plotWidth / SIZES.length;
            int barWidth = (groupWidth - 30) / series.length;
            for (int s = 0; s < SIZES.length; s++) {
                int groupX = left + s * groupWidth + 15;
                for (int b = 0; b < series.length; b++) {
                    double ratio = values.get(s)[b];
                    if (Double.isNaN(ratio) || ratio <= 0) {
                        continue;
                    }
                    double log = Math.max(minLog, Math.min(maxLog, Math.log10(ratio)));
                    int barTop = top + (int) ((maxLog - log) / (maxLog - minLog) * plotHeight);
                    g.setColor(colours[b]);
                    g.fillRect(groupX + b * barWidth, barTop, barWidth - 2, top + plotHeight - barTop);
                }
                g.setColor(Color.BLACK);
                String label = SIZES[s] == 65535 ? "65535 B (GSO)" : SIZES[s] + " B";
                g.drawString(label, groupX + groupWidth / 2 - 30, top + plotHeight + 18);
            }
            g.setStroke(new BasicStroke(1));
            g.drawLine(left, top + plotHeight, width - right, top + plotHeight);
            for (int b = 0; b < series.length; b++) {
                int x = left + b * 210;
                int y = height - 35;
                g.setColor(colours[b]);
                g.fillRect(x, y - 10, 14, 14);
                g.setColor(Color.BLACK);
                g.drawString(series[b], x + 20, y + 2);
            }
            g.dispose();
            return image;
        }
    }
}
