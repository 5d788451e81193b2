using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Hosting;
using InterCom.Core.Jitter;
using InterCom.Core.Rtp;
using InterCom.Core.Testing;

namespace InterCom.Core.Tests;

/// <summary>Two sessions whose RTCP feedback drives the sender's rate control, through the impairing relay.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class RateControlTests
{
    [Fact]
    public async Task Ten_percent_loss_lowers_the_bitrate_and_turns_fec_on_within_a_few_report_intervals()
    {
        var options = new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        await using var a = new VoiceSession(options);
        await using var b = new VoiceSession(options);
        // A's packets lose 10 % on the way to B; B's come back through the relay's port untouched.
        using var relay = new ImpairedRelay(new IPEndPoint(IPAddress.Loopback, 0), b.LocalEndPoint, new NetworkImpairment { LossPercent = 10, Seed = 5 })
        {
            ReturnImpairment = new NetworkImpairment(),
        };
        a.AddPeer(relay.LocalEndPoint);
        b.AddPeer(relay.LocalEndPoint);
        a.Start(new ToneSource(440, a.Format), new WavFileSink(Path.Combine(Path.GetTempPath(), $"rate-a-{Guid.NewGuid():N}.wav"), a.Format));
        b.Start(new ToneSource(660, b.Format), new WavFileSink(Path.Combine(Path.GetTempPath(), $"rate-b-{Guid.NewGuid():N}.wav"), b.Format));

        await Task.Delay(TimeSpan.FromSeconds(5));
        var stats = a.GetStatistics();
        Assert.True(relay.Forwarded.Lost > 20, $"the relay dropped {relay.Forwarded.Lost}");
        Assert.InRange(stats.RemoteLossPercent, 2, 30);             // B reports A's loss ...
        Assert.True(stats.TargetBitrate < 32_000 * 0.85, $"bitrate {stats.TargetBitrate}"); // ... A lowers its bitrate ...
        Assert.True(stats.FecEnabled);                             // ... and turns FEC on
        Assert.InRange(stats.RoundTripMs, 0.001, 50);              // RTT from LSR/DLSR, through the relay

        var statsB = b.GetStatistics();
        Assert.Equal(32_000, statsB.TargetBitrate);                // the clean direction keeps its bitrate
        Assert.False(statsB.FecEnabled);
        Assert.True(Assert.Single(statsB.Peers).PacketsLost > 0);
    }
}
