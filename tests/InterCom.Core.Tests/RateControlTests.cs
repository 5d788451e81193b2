using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Hosting;
using InterCom.Core.Testing;

namespace InterCom.Core.Tests;

/// <summary>Two sessions whose RTCP feedback drives the sender's rate control, through the impairing relay.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class RateControlTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Ten_percent_random_loss_turns_fec_on_and_keeps_the_bitrate()
    {
        // A's packets lose 10 % on the way to B; B's come back through the relay's port untouched.
        await using var call = await Call.StartAsync(new NetworkImpairment { LossPercent = 10, Seed = 5 });
        await Task.Delay(TimeSpan.FromSeconds(6));
        var stats = call.A.GetStatistics();
        output.WriteLine($"A: {stats}");
        Assert.True(call.Relay.Forwarded.Lost > 20, $"the relay dropped {call.Relay.Forwarded.Lost}");
        Assert.InRange(stats.RemoteLossPercent, 2, 30);                  // B reports A's loss ...
        Assert.True(stats.FecEnabled);                                  // ... A turns FEC on ...
        Assert.Equal(32_000, stats.TargetBitrate);                      // ... and keeps its bitrate: a lower one would not make random loss rarer
        Assert.InRange(stats.RoundTripMs, 0.001, 50);                   // RTT from LSR/DLSR, through the relay

        var statsB = call.B.GetStatistics();
        Assert.Equal(32_000, statsB.TargetBitrate);                     // the clean direction is left alone
        Assert.False(statsB.FecEnabled);
        Assert.True(Assert.Single(statsB.Peers).PacketsLost > 0);
    }

    [Fact]
    public async Task A_link_slower_than_the_stream_lowers_the_bitrate_within_a_few_reports_and_keeps_its_queue_mostly_drained()
    {
        // 28 kb/s for A's 32 kb/s of Opus plus 9.6 kb/s of RTP headers: a queue builds, then the relay drops.
        await using var call = await Call.StartAsync(new NetworkImpairment { RateKbps = 28 });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (call.A.GetStatistics().TargetBitrate >= 32_000 * 0.85 * 0.85 && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
        }

        output.WriteLine($"after {clock.Elapsed.TotalSeconds:F1} s: {call.A.GetStatistics()}");
        Assert.True(call.A.GetStatistics().TargetBitrate < 32_000 * 0.85 * 0.85, "the bitrate did not fall within 15 s");
        // From then on the queue is drained most of the time: the queue that filled before the first
        // report drains within about four reports of the cut (measured: 3.5-4.5 s at 186-199 ms), and
        // the ceiling each cut sets keeps the climb from overfilling the link again (under 10 ms after).
        var roundTrips = new List<double>();
        for (int i = 0; i < 30; i++)
        {
            await Task.Delay(500);
            roundTrips.Add(call.A.GetStatistics().RoundTripMs);
        }

        var stats = call.A.GetStatistics();
        double[] last = [.. roundTrips.TakeLast(10)];
        roundTrips.Sort();
        output.WriteLine($"15 s later: {stats}; round trips {string.Join(", ", roundTrips.Select(r => r.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms, the last 5 s {string.Join(", ", last.Select(r => r.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms; relay {call.Relay.Forwarded}");
        Assert.True(roundTrips[roundTrips.Count / 2] < 100, $"median round trip {roundTrips[roundTrips.Count / 2]:F0} ms: the queue did not drain");
        Assert.True(last.Max() < 50, $"round trips up to {last.Max():F0} ms in the last 5 s: the climb overfilled the link again");
        Assert.True(stats.TargetBitrate < 32_000 * 0.85, $"bitrate {stats.TargetBitrate}: back near what overfilled the link");
    }

    /// <summary>A and B, each sending a tone, A's packets through <paramref name="forward"/>, B's back through the relay untouched.</summary>
    private sealed class Call : IAsyncDisposable
    {
        private Call(VoiceSession a, VoiceSession b, ImpairedRelay relay) => (A, B, Relay) = (a, b, relay);

        public VoiceSession A { get; }

        public VoiceSession B { get; }

        public ImpairedRelay Relay { get; }

        public static Task<Call> StartAsync(NetworkImpairment forward)
        {
            var options = new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
            var a = new VoiceSession(options);
            var b = new VoiceSession(options);
            var relay = new ImpairedRelay(new IPEndPoint(IPAddress.Loopback, 0), b.LocalEndPoint, forward) { ReturnImpairment = new NetworkImpairment() };
            a.AddPeer(relay.LocalEndPoint);
            b.AddPeer(relay.LocalEndPoint);
            a.Start(new ToneSource(440, a.Format), new WavFileSink(Path.Combine(Path.GetTempPath(), $"rate-a-{Guid.NewGuid():N}.wav"), a.Format));
            b.Start(new ToneSource(660, b.Format), new WavFileSink(Path.Combine(Path.GetTempPath(), $"rate-b-{Guid.NewGuid():N}.wav"), b.Format));
            return Task.FromResult(new Call(a, b, relay));
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            Relay.Dispose();
        }
    }
}
