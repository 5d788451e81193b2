using System.Text.Json;

namespace InterCom.Core.Tests;

/// <summary><c>intercom latency</c> end to end: two call processes on the JACK server, the probe through them.</summary>
[Trait(Needs.Trait, Needs.Jack)]
[Trait(Needs.Trait, Needs.Processes)]
[Collection(RealTimeCollection.Name)]
public sealed class LatencyCommandTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>
    /// The call's two ends run on this server's clock, so the receiving device, which pulls each
    /// period from the jitter buffer, can play a sample one period after it was captured (as a direct
    /// wire does), plus the frame a period boundary cuts and the codec's lookahead: nothing can come
    /// sooner, and nothing but the jitter buffer's own delay may come on top. Measured beyond the wire
    /// (docs/performance.md): low-latency 2.9–5.3 ms (L16) and 5.1–6.4 ms (Opus), default Opus
    /// 16–17 ms; a ring between the buffer and the device, as before, measured 19–23 and 60 ms. The
    /// buffer's delay is the adaptive part: after a hiccup of the dummy driver it can hold 13 ms more
    /// for seconds (seen once in a fresh-clone run: 18.6 ms beyond the wire, low-latency Opus), so the
    /// bound is on what the call adds besides it, as B published it while the bursts went through.
    /// </summary>
    [Theory]
    [InlineData("default", "opus")]
    [InlineData("low-latency", "opus")]
    [InlineData("low-latency", "pcm")]
    public async Task Latency_measures_a_call_beyond_the_direct_wire_and_breaks_it_down(string profile, string codec)
    {
        Assert.True(JackServer.IsRunning, "No JACK server: the test command starts one.");
        string json = Path.Combine(Directory.CreateTempSubdirectory("intercom-latency-").FullName, "latency.json");
        (int code, string stdout, string stderr) = await IntercomProcess.RunAsync(["latency", "--profile", profile, "--codec", codec, "--bursts", "3", "--json", json], TimeSpan.FromSeconds(90));
        output.WriteLine(stdout);
        Assert.True(code == 0, stderr);

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement r = doc.RootElement;
        double loop = r.GetProperty("loopMs").GetDouble(), call = r.GetProperty("callMs").GetDouble();
        Assert.Equal(256, r.GetProperty("periodFrames").GetInt32());
        Assert.Equal(5.33, loop, 0.01);                                  // the server's one period, as LatencyProbeTests checks
        Assert.Equal(call - loop, r.GetProperty("beyondLoopMs").GetDouble(), 0.02);

        // The frame a 256-frame period boundary cuts waits up to frame − gcd(frame, 256) for the next period:
        // 112 samples at 2.5 ms frames, 448 at 10 ms; low-latency L16 sends frames of the period itself (none).
        // Opus adds its lookahead (2.5 ms restricted-lowdelay, 6.5 ms VoIP).
        int frameSamples = profile != "low-latency" ? 480 : codec == "pcm" ? 256 : 120;
        double framing = (frameSamples - (int)System.Numerics.BigInteger.GreatestCommonDivisor(frameSamples, 256)) / 48.0;
        double lookahead = codec == "pcm" ? 0 : profile == "low-latency" ? 2.5 : 6.5;
        JsonElement budget = r.GetProperty("budgetMs");
        Assert.Equal(framing, budget.GetProperty("frame").GetDouble(), 0.01);
        Assert.Equal(lookahead, budget.GetProperty("encoder lookahead").GetDouble(), 0.01);
        Assert.Equal(0, budget.GetProperty("playback queue").GetDouble()); // the device pulls: nothing queued for it

        // Each burst that came back (at least two of three: one the buffer stretched or concealed may not)
        // came through the call: no sooner than the framing and lookahead allow beyond the wire. Bursts
        // differ when the receiving buffer moved between them. A call whose capture is woken by the
        // callback reaches that floor exactly, and the correlation through Opus then finds its chirp up
        // to 3 samples early (measured: 21.10 ms against a floor of 21.16): a 0.1 ms margin.
        const double Margin = 0.1;
        Assert.InRange(r.GetProperty("burstsMs").GetArrayLength(), 2, 3);
        Assert.All(r.GetProperty("burstsMs").EnumerateArray(), b => Assert.InRange(b.GetDouble(), loop + framing + lookahead - Margin, 250));
        // Beyond the wire: the framing and lookahead, the buffer's delay, and no more than a period besides
        // (measured: −0.9 to +0.6 ms besides, in nine runs of the three cases).
        double buffer = budget.GetProperty("jitter buffer").GetDouble();
        Assert.InRange(call - loop, framing + lookahead - Margin, framing + lookahead + buffer + (256 / 48.0));
        double sum = budget.EnumerateObject().Sum(p => p.Value.GetDouble());
        // The code's own account is near what was measured (its jitter-buffer line is the receiver's
        // smoothed delay at the end of the run, the loosest part).
        Assert.InRange(sum, call * 0.5, call * 2);
        Assert.Contains("the call adds", stdout, StringComparison.Ordinal);
    }
}
