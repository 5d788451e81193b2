using System.Globalization;
using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Hosting;
using InterCom.Core.Testing;

namespace InterCom.Benchmarks;

/// <summary>
/// The rate-control measurement of docs/flow-control.md: a call whose one direction goes through a
/// link slower than the stream (the relay's rate limit, a 200 ms tail-dropping queue), second by
/// second: the sender's bitrate, the round trip it sees (the queue, mostly) and the loss reported.
/// </summary>
internal static class CongestionReport
{
    /// <summary><c>congestion [--seconds 40] [--rate-kbps 28]</c>: a line a second, then a summary.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        int seconds = int.Parse(RobustnessReport.Option(args, "--seconds") ?? "40", CultureInfo.InvariantCulture);
        int rate = int.Parse(RobustnessReport.Option(args, "--rate-kbps") ?? "28", CultureInfo.InvariantCulture);
        var options = new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        await using var a = new VoiceSession(options);
        await using var b = new VoiceSession(options);
        using var relay = new ImpairedRelay(new IPEndPoint(IPAddress.Loopback, 0), b.LocalEndPoint, new NetworkImpairment { RateKbps = rate })
        {
            ReturnImpairment = new NetworkImpairment(),
        };
        a.AddPeer(relay.LocalEndPoint);
        b.AddPeer(relay.LocalEndPoint);
        using var sinkA = new WavFileSink(Path.Combine(Path.GetTempPath(), $"congestion-a-{Environment.ProcessId}.wav"), a.Format);
        using var sinkB = new WavFileSink(Path.Combine(Path.GetTempPath(), $"congestion-b-{Environment.ProcessId}.wav"), b.Format);
        a.Start(new SpeechSource(a.Format, seed: 7), sinkA);
        b.Start(new ToneSource(660, b.Format), sinkB);
        Console.WriteLine($"| s | bitrate b/s | FEC | round trip ms | loss reported % |");
        Console.WriteLine("|---:|---:|---|---:|---:|");
        int firstDrop = -1;
        double worstAfter = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int s = 1; s <= seconds; s++)
        {
            await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (TimeSpan.FromSeconds(s) - clock.Elapsed).Ticks)));
            var stats = a.GetStatistics();
            firstDrop = firstDrop < 0 && stats.TargetBitrate < 32_000 ? s : firstDrop;
            worstAfter = s > 10 ? Math.Max(worstAfter, stats.RoundTripMs) : worstAfter;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {s} | {stats.TargetBitrate} | {(stats.FecEnabled ? "on" : "off")} | {stats.RoundTripMs:F1} | {stats.RemoteLossPercent:F1} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"congestion: link {rate} kb/s; the bitrate first fell at {firstDrop} s; from 10 s on the round trip stayed at most {worstAfter:F0} ms; relay {relay.Forwarded}"));
        File.Delete(Path.Combine(Path.GetTempPath(), $"congestion-a-{Environment.ProcessId}.wav"));
        File.Delete(Path.Combine(Path.GetTempPath(), $"congestion-b-{Environment.ProcessId}.wav"));
        return 0;
    }
}
