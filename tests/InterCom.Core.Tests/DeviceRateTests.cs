using System.Diagnostics;
using System.Text.Json;

namespace InterCom.Core.Tests;

/// <summary>
/// A device that cannot run at the call's 48 kHz: a JACK server of the test's own at 44.1 kHz, two
/// call processes on it (JACK input and output each), a tone fed into each end's input and what the
/// other end plays recorded on the server.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class DeviceRateTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_call_with_JACK_devices_at_44100_Hz_carries_a_tone_both_ways_at_its_pitch()
    {
        using var jack = new PrivateJackServer(sampleRate: 44_100);
        string dir = Directory.CreateTempSubdirectory("intercom-rate-").FullName;
        int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
        string id = $"{Guid.NewGuid():N}"[..6];
        string clientA = $"ra{id}", clientB = $"rb{id}";
        // --aec off: the ends' inputs are tones, and the noise suppressor that comes with the canceller takes a steady tone for noise.
        using var a = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--client-name", clientA, "--input", "jack:system", "--output", "jack:system",
             "--aec", "off", "--duration", "9", "--stats-json", Path.Combine(dir, "a.json")],
            jack.Environment);
        using var b = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--client-name", clientB, "--input", "jack:system", "--output", "jack:system",
             "--aec", "off", "--duration", "9", "--quiet"],
            jack.Environment);
        foreach (string port in new[] { $"{clientA}:in_0", $"{clientA}:out_0", $"{clientB}:in_0", $"{clientB}:out_0" })
        {
            Assert.True(jack.WaitForConnection(port, TimeSpan.FromSeconds(20)), $"{port} never started; A: {a.StandardError}; B: {b.StandardError}");
        }

        using Process toneA = Metro(jack, clientA + "m", 880), toneB = Metro(jack, clientB + "m", 660);
        string recording = Path.Combine(dir, "played.wav");
        try
        {
            Assert.True(jack.WaitForPort($"{clientA}m:120_bpm", TimeSpan.FromSeconds(10)) && jack.WaitForPort($"{clientB}m:120_bpm", TimeSpan.FromSeconds(10)), "jack_metro did not start");
            Assert.Equal(0, jack.Run("jack_connect", $"{clientA}m:120_bpm", $"{clientA}:in_0"));
            Assert.Equal(0, jack.Run("jack_connect", $"{clientB}m:120_bpm", $"{clientB}:in_0"));
            await Task.Delay(1500); // the tones cross the call and its buffers fill
            Assert.Equal(0, jack.Run("jack_rec", "-f", recording, "-d", "3", $"{clientB}:out_0", $"{clientA}:out_0"));
        }
        finally
        {
            toneA.Kill();
            toneB.Kill();
        }

        Assert.Equal(0, await a.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, await b.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("at 44100 Hz, resampled", a.StandardError, StringComparison.Ordinal);

        float[] both = Audio.WavFileSource.ReadAll(recording); // the server's 44.1 kHz, read at 48 kHz
        float[] atB = [.. both.Where((_, i) => i % 2 == 0)], atA = [.. both.Where((_, i) => i % 2 == 1)];
        double pitchAtB = SignalAnalysis.DominantFrequency(atB, 300, 2000), pitchAtA = SignalAnalysis.DominantFrequency(atA, 300, 2000);
        double toneAtB = SignalAnalysis.MedianToneAmplitude(atB, 880), toneAtA = SignalAnalysis.MedianToneAmplitude(atA, 660);
        output.WriteLine($"B plays {pitchAtB:F1} Hz (880 sent, amplitude {toneAtB:F3}); A plays {pitchAtA:F1} Hz (660 sent, amplitude {toneAtA:F3})");
        Assert.InRange(pitchAtB, 875, 885);
        Assert.InRange(pitchAtA, 655, 665);
        Assert.True(toneAtB > 0.1 && toneAtA > 0.1, $"tone amplitudes {toneAtB:F3} at B, {toneAtA:F3} at A");

        using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "a.json")));
        JsonElement peer = Assert.Single(stats.RootElement.GetProperty("peers").EnumerateArray());
        Assert.InRange(stats.RootElement.GetProperty("device").GetProperty("resamplingMs").GetDouble(), 0.5, 5); // speexdsp's filter, both ways
        Assert.Equal(0, peer.GetProperty("packetsLost").GetInt64());
        Assert.InRange(stats.RootElement.GetProperty("sent").GetProperty("packets").GetInt64(), 750, 950); // 9 s of 10 ms frames: the device's 44.1 kHz became 48 kHz, not 44.1
    }

    /// <summary>jack_metro on <paramref name="jack"/>: a beep of <paramref name="hz"/> for 450 ms of every 500.</summary>
    private static Process Metro(PrivateJackServer jack, string name, int hz) => Process.Start(new ProcessStartInfo("jack_metro", ["-n", name, "-b", "120", "-f", hz.ToString(System.Globalization.CultureInfo.InvariantCulture), "-D", "450"])
    {
        UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["JACK_DEFAULT_SERVER"] = jack.Name },
    })!;
}
