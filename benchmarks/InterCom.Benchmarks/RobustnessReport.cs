using System.Diagnostics;
using System.Globalization;
using System.Text;
using InterCom.Core.Jitter;
using InterCom.Core.Testing;
using InterCom.Core.Tests;

namespace InterCom.Benchmarks;

/// <summary>
/// The measurements of docs/robustness.md: every network profile with adaptive playout and with a
/// fixed 150 ms buffer (the original InterCom's), a plot of the delay through a jitter spike, and a
/// long soak at 20 % loss. Real sessions, real relay, loopback, real time.
/// </summary>
internal static class RobustnessReport
{
    private static readonly JitterBufferOptions s_adaptive = new();
    private static readonly JitterBufferOptions s_fixed150 = new() { Adaptive = false, TargetDelay = TimeSpan.FromMilliseconds(150) };

    /// <summary><c>robustness [--seconds N] [--plot FILE.png]</c>: the table (markdown, to standard output) and the plot.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        TimeSpan duration = TimeSpan.FromSeconds(double.Parse(Option(args, "--seconds") ?? "30", CultureInfo.InvariantCulture));
        string plot = Option(args, "--plot") ?? "robustness-spike.png";
        var table = new StringBuilder();
        table.AppendLine("| profile | buffer | concealed % | late % | mean delay ms | p95 delay ms | segmental SNR dB |");
        table.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (RobustnessProfile profile in RobustnessProfile.All)
        {
            // The two buffers side by side, at the same time, each through its own relay with the same seed.
            RobustnessResult[] results = await Task.WhenAll(
                RobustnessRun.RunAsync(profile.Impairment, s_adaptive, duration),
                RobustnessRun.RunAsync(profile.Impairment, s_fixed150, duration));
            foreach ((RobustnessResult r, string buffer) in results.Zip(["adaptive", "fixed 150 ms"]))
            {
                table.AppendLine(CultureInfo.InvariantCulture, $"| {profile.Name} | {buffer} | {r.ConcealedPercent:F1} | {r.LatePercent:F1} | {r.MeanDelayMs:F1} | {r.P95DelayMs:F1} | {r.SegmentalSnrDb:F1} |");
            }

            Console.Error.WriteLine($"{profile.Name}: done");
        }

        Console.WriteLine(table);
        await PlotSpikeAsync(plot);
        Console.WriteLine($"plot: {plot}");
        return 0;
    }

    /// <summary>10 s calm, 10 s of 40 ± 20 ms jitter, 25 s calm: the delay of both buffers over time.</summary>
    private static async Task PlotSpikeAsync(string path)
    {
        static async Task Spike(ImpairedRelay relay, TimeSpan duration)
        {
            NetworkImpairment calm = relay.Impairment;
            await Task.Delay(TimeSpan.FromSeconds(10));
            relay.Impairment = calm with { Delay = TimeSpan.FromMilliseconds(40), Jitter = TimeSpan.FromMilliseconds(20) };
            await Task.Delay(TimeSpan.FromSeconds(10));
            relay.Impairment = calm;
        }

        TimeSpan duration = TimeSpan.FromSeconds(45);
        var calm = new NetworkImpairment { Seed = 21 };
        RobustnessResult[] runs = await Task.WhenAll(
            RobustnessRun.RunAsync(calm, s_adaptive, duration, Spike),
            RobustnessRun.RunAsync(calm, s_fixed150, duration, Spike));

        var plot = new ScottPlot.Plot();
        plot.Add.HorizontalSpan(10, 20, ScottPlot.Colors.Orange.WithAlpha(0.15));
        AddLine(plot, runs[1], t => t.DelayMs, "fixed 150 ms buffer: playout delay", ScottPlot.Colors.Gray);
        AddLine(plot, runs[0], t => t.TargetMs, "adaptive: target", ScottPlot.Colors.Orange);
        AddLine(plot, runs[0], t => t.DelayMs, "adaptive: playout delay", ScottPlot.Colors.Blue);
        plot.Title("Playout delay through a jitter spike (10-20 s: 40 ± 20 ms)");
        plot.XLabel("seconds");
        plot.YLabel("audio queued ahead of playout, ms");
        plot.Axes.SetLimitsY(0, 200);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 900, 450);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"spike: adaptive concealed {runs[0].ConcealedPercent:F1}%, mean {runs[0].MeanDelayMs:F1} ms; fixed 150 concealed {runs[1].ConcealedPercent:F1}%, mean {runs[1].MeanDelayMs:F1} ms"));
    }

    private static void AddLine(ScottPlot.Plot plot, RobustnessResult run, Func<(double Seconds, double DelayMs, double TargetMs), double> y, string label, ScottPlot.Color color)
    {
        double[] xs = [.. run.Timeline.Select(t => t.Seconds)];
        double[] ys = [.. run.Timeline.Select(y)];
        var line = plot.Add.ScatterLine(xs, ys);
        line.LegendText = label;
        line.Color = color;
        line.LineWidth = 2;
    }

    /// <summary>
    /// <c>soak [--minutes N] [--loss PCT]</c>: one call through the relay at 20 % loss (default) for
    /// 10 minutes; every 30 s the delay, concealment and this process's managed memory after a full
    /// collection. Exit code 1 when the delay's 95th percentile leaves 100 ms or the managed memory
    /// grows by more than 1 MB (or the working set by more than 16 MB) between the second minute and the end.
    /// </summary>
    public static async Task<int> SoakAsync(string[] args)
    {
        double minutes = double.Parse(Option(args, "--minutes") ?? "10", CultureInfo.InvariantCulture);
        double loss = double.Parse(Option(args, "--loss") ?? "20", CultureInfo.InvariantCulture);
        var lines = new List<string>();
        long baseline = 0, last = 0, workingSetBaseline = 0, workingSetLast = 0;
        double worstP95 = 0;
        async Task Watch(ImpairedRelay relay, TimeSpan duration)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 1; clock.Elapsed < duration - TimeSpan.FromSeconds(30); i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(30) * i - clock.Elapsed);
                long memory = GC.GetTotalMemory(forceFullCollection: true);
                baseline = i == 4 ? memory : baseline; // after two minutes: everything warmed up
                last = memory;
                workingSetBaseline = i == 4 ? Environment.WorkingSet : workingSetBaseline;
                workingSetLast = Environment.WorkingSet;
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"| {i * 0.5:F1} | {relay.Forwarded.Lost} / {relay.Forwarded.Received} | {memory / 1024} | {Environment.WorkingSet / (1024 * 1024)} |"));
            }
        }

        RobustnessResult r = await RobustnessRun.RunAsync(new NetworkImpairment { LossPercent = loss, Seed = 31 }, s_adaptive, TimeSpan.FromMinutes(minutes), Watch, recordFor: TimeSpan.FromMinutes(1));
        foreach (IGrouping<int, (double Seconds, double DelayMs, double TargetMs)> minute in r.Timeline.Where(t => t.Seconds < minutes * 60).GroupBy(t => (int)(t.Seconds / 60)))
        {
            double[] delays = [.. minute.Select(t => t.DelayMs).Order()];
            double p95 = delays[(int)(0.95 * (delays.Length - 1))];
            worstP95 = Math.Max(worstP95, p95);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"minute {minute.Key + 1}: delay mean {delays.Average():F1} ms, p95 {p95:F1} ms, max {delays[^1]:F1} ms"));
        }

        Console.WriteLine("| minutes | relay lost / received | managed heap KB (after full GC) | working set MB |");
        Console.WriteLine("|---:|---:|---:|---:|");
        lines.ForEach(Console.WriteLine);
        long growth = last - baseline;
        long workingSetGrowth = (workingSetLast - workingSetBaseline) / (1024 * 1024);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak: {minutes} min at {loss}% loss: concealed {r.ConcealedPercent:F1}%, delay mean {r.MeanDelayMs:F1} ms, p95 {r.P95DelayMs:F1} ms, worst minute's p95 {worstP95:F1} ms; managed heap {growth / 1024:+0;-0} KB and working set {workingSetGrowth:+0;-0} MB from minute 2 to the end; SNR {r.SegmentalSnrDb:F1} dB (first minute)"));
        bool ok = worstP95 <= 100 && growth <= 1024 * 1024 && workingSetGrowth <= 16;
        Console.WriteLine(ok ? "soak: PASS (delay bounded, memory flat)" : "soak: FAIL");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// <c>fec [--seconds 30] [--loss 10] [--runs 3]</c>: speech (<see cref="SpeechSource"/>) through random loss
    /// both ways against the same speech on a clean link, at the same time: frames lost, rebuilt
    /// from FEC and concealed, the playout delay each needed, the sender's bitrate and the speech's
    /// log-spectral distance from what was sent; the lossy link also with the buffer's delay for FEC off.
    /// </summary>
    public static async Task<int> FecAsync(string[] args)
    {
        TimeSpan duration = TimeSpan.FromSeconds(double.Parse(Option(args, "--seconds") ?? "30", CultureInfo.InvariantCulture));
        double loss = double.Parse(Option(args, "--loss") ?? "10", CultureInfo.InvariantCulture);
        int runs = int.Parse(Option(args, "--runs") ?? "3", CultureInfo.InvariantCulture);
        float[] reference = SpeechSource.Generate(duration.TotalSeconds + 5, seed: 7);
        Console.WriteLine("| run | link | lost | rebuilt | concealed | rebuilt of lost % | mean delay ms | p95 delay ms | bitrate b/s | FEC | spectral distance dB |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|");
        for (int run = 1; run <= runs; run++)
        {
            // The three side by side, at the same time; the two lossy ones through relays with the same seed.
            var lossy = new NetworkImpairment { LossPercent = loss, Seed = 40 + run };
            RobustnessResult[] results = await Task.WhenAll(
                RobustnessRun.RunAsync(new NetworkImpairment(), s_adaptive, duration, source: Speech),
                RobustnessRun.RunAsync(lossy, s_adaptive, duration, source: Speech),
                RobustnessRun.RunAsync(lossy, s_adaptive with { DelayForFec = false }, duration, source: Speech));
            foreach ((RobustnessResult r, string link) in results.Zip(["clean", $"{loss}% random loss", $"{loss}% random loss, no delay for FEC"]))
            {
                long lost = r.Peer.PacketsLost - r.Settled.PacketsLost;
                long rebuilt = r.Peer.FramesRecovered - r.Settled.FramesRecovered;
                long concealed = r.Peer.FramesConcealed - r.Settled.FramesConcealed;
                double distance = SpeechQuality.LogSpectralDistance(reference, r.Heard);
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {run} | {link} | {lost} | {rebuilt} | {concealed} | {100.0 * rebuilt / Math.Max(1, lost):F0} | {r.MeanDelayMs:F1} | {r.P95DelayMs:F1} | {r.Sender.TargetBitrate} | {(r.Sender.FecEnabled ? "on" : "off")} | {distance:F2} |"));
            }
        }

        return 0;

        static SpeechSource Speech() => new(InterCom.Core.Audio.AudioFormat.Mono48k, seed: 7);
    }

    internal static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
