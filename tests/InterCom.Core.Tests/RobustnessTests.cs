using InterCom.Core.Jitter;

namespace InterCom.Core.Tests;

/// <summary>
/// Each network profile of docs/robustness.md, through the impairing relay between two real sessions
/// on loopback (Opus, 10 ms, adaptive playout): concealment, delay and quality within bounds. The
/// bounds come from measurement (docs/robustness.md has the figures; these runs are shorter) with a
/// margin for a busy machine: concealment within a few points of the loss, delay within about twice
/// what was measured, quality a few dB under it.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class RobustnessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(12);

    [Theory]
    //          profile                    concealed %   p95 delay ms  SNR dB   (measured, 12 s: concealed, p95, SNR)
    [InlineData("clean", 0, 2, 45, 28)]                 // 0.0, 24, 33.4
    [InlineData("5% random loss", 2, 10, 55, 20)]       // 4.8, 28, 27.1
    [InlineData("20% random loss", 13, 30, 65, 6)]      // 21.0, 33, 11.4
    [InlineData("bursts of 3 (6% loss)", 2, 13, 55, 20)] // 6.9, 28, 28.4
    [InlineData("10% reorder", 0, 3, 65, 28)]           // 0.0, 34, 33.5
    [InlineData("5% duplication", 0, 2, 45, 28)]        // 0.0, 20, 33.4
    [InlineData("40 ms ± 20 ms jitter", 0, 3, 120, 28)] // 0.0, 64, 33.5
    [InlineData("200 ppm drift", 0, 2, 45, 28)]         // 0.0, 20, 33.4
    public async Task Profile_through_the_relay_stays_within_its_bounds(string name, double minConcealed, double maxConcealed, double maxP95Delay, double minSnr)
    {
        RobustnessProfile profile = RobustnessProfile.Named(name);
        RobustnessResult r = await RobustnessRun.RunAsync(profile.Impairment, new JitterBufferOptions(), s_duration);
        output.WriteLine($"{name}: concealed {r.ConcealedPercent:F1}%, late {r.LatePercent:F1}%, delay mean {r.MeanDelayMs:F1} ms, p95 {r.P95DelayMs:F1} ms, SNR {r.SegmentalSnrDb:F1} dB, target {r.Peer.TargetDelayMs:F1} ms, expanded {r.Peer.ExpandedMs:F0} ms, shortened {r.Peer.ShortenedMs:F0} ms, discarded {r.Peer.FramesDiscarded}");

        Assert.InRange(r.ConcealedPercent, minConcealed, maxConcealed);
        Assert.InRange(r.P95DelayMs, 5, maxP95Delay);
        Assert.InRange(r.MeanDelayMs, 5, r.P95DelayMs);
        Assert.True(r.SegmentalSnrDb >= minSnr, $"segmental SNR {r.SegmentalSnrDb:F1} dB, below {minSnr} dB");
        Assert.InRange(r.LatePercent, 0, 2);
        Assert.Equal(0, r.Peer.FramesDiscarded); // nothing here comes near 200 ms above the target
        if (profile.Impairment.Jitter > TimeSpan.Zero)
        {
            Assert.InRange(r.MeanDelayMs, 30, maxP95Delay); // the buffer rose to cover the jitter
        }

        if (profile.Impairment.DuplicatePercent > 0)
        {
            Assert.True(r.Peer.PacketsDuplicate > 0, "the relay's duplicates reached the receiver, and were dropped");
        }
    }
}
