using InterCom.Core.Testing;
using InterCom.Core.Devices;
using InterCom.Core.Diagnostics;

namespace InterCom.Core.Tests;

/// <summary>The latency probe's own accuracy, on a loop whose delay the audio server states.</summary>
[Trait(Needs.Trait, Needs.Jack)]
[Collection(RealTimeCollection.Name)]
public sealed class LatencyProbeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_direct_jack_loop_is_measured_at_its_known_delay_within_one_period()
    {
        AudioDevice jack = JackServer.Device();
        PortAudioHost.JackClientName = DeviceTests.ClientName;
        LatencyMeasurement m = await LatencyProbe.MeasureAsync(jack, _ => JackServer.Connect($"{DeviceTests.ClientName}:out_0", $"{DeviceTests.ClientName}:in_0"));

        int known = (int)Math.Round(m.ReportedLatency.TotalSeconds * m.SampleRate);
        output.WriteLine($"measured {m.DelayFrames} frames ({m.Delay.TotalMilliseconds:F2} ms), bursts [{string.Join(", ", m.BurstDelays)}], correlation {m.Correlation:F4}; the server states {known} frames; period {m.PeriodFrames}");
        Assert.Equal(256, m.PeriodFrames); // the test command's server
        Assert.InRange(m.DelayFrames, known - m.PeriodFrames, known + m.PeriodFrames);
        Assert.True(m.Correlation > 0.99, $"correlation {m.Correlation}"); // a wire: the bursts come back as sent
        Assert.Equal(5, m.BurstDelays.Count);                              // every burst came back
        Assert.Equal(m.BurstDelays.Min(), m.BurstDelays.Max());          // and always equally late
    }

    [Fact]
    public async Task An_unwired_probe_says_that_nothing_came_back()
    {
        AudioDevice jack = JackServer.Device();
        PortAudioHost.JackClientName = DeviceTests.ClientName;
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => LatencyProbe.MeasureAsync(jack, _ => { }, bursts: 1));
        Assert.Contains("did not come back", e.Message, StringComparison.Ordinal);
    }
}
