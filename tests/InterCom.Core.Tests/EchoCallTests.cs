namespace InterCom.Core.Tests;

/// <summary>Echo cancellation in a call on a real JACK server: B's playback wired back into B's capture, as a loudspeaker next to a microphone.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class EchoCallTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(48_000)]
    [InlineData(44_100)] // a server of the test's own: B's device is resampled, and so is what it played, in step with its capture
    public async Task With_aec_on_the_far_end_hears_its_own_tone_at_least_30_db_weaker_than_with_it_off(int serverRate)
    {
        _ = JackServer.Device();
        using PrivateJackServer? own = serverRate == 48_000 ? null : new PrivateJackServer(serverRate);
        double off = await OwnToneHeardAsync("off", own);
        double on = await OwnToneHeardAsync("on", own);
        double db = 20 * Math.Log10(off / Math.Max(on, 1e-9));
        output.WriteLine($"{serverRate} Hz: A's own tone back from B: {off:F4} with --aec off, {on:F5} with --aec on: {db:F1} dB weaker");
        Assert.True(off > 0.05, $"without the canceller the loop carried only {off:F4}: the test wired nothing");
        Assert.True(db >= 30, $"with --aec on A's echo is only {db:F1} dB weaker");
    }

    /// <summary>A sends a 440 Hz tone; B plays it to JACK, its output port wired into its input port, and sends what it captures back; returns the level of the tone in what A plays from the fourth second on.</summary>
    private async Task<double> OwnToneHeardAsync(string aec, PrivateJackServer? server)
    {
        string dir = Directory.CreateTempSubdirectory("intercom-echo-").FullName;
        string client = $"echo-b-{aec}-{Environment.ProcessId}";
        int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
        string wav = Path.Combine(dir, "a.wav");
        using var b = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--duration", "9", "--quiet",
            "--input", "jack:system", "--output", "jack:system", "--client-name", client, "--aec", aec], server?.Environment);
        if (server is null)
        {
            JackServer.Connect($"{client}:out_0", $"{client}:in_0");
        }
        else
        {
            Assert.True(server.WaitForConnection($"{client}:out_0", TimeSpan.FromSeconds(20)), b.StandardError);
            Assert.Equal(0, server.Run("jack_connect", $"{client}:out_0", $"{client}:in_0"));
        }

        using var a = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--duration", "7", "--quiet",
            "--input", "tone:440", "--output", wav]);
        Assert.True(await a.WaitAsync(TimeSpan.FromSeconds(60)) == 0, a.StandardError);
        b.Interrupt();
        Assert.True(await b.WaitAsync(TimeSpan.FromSeconds(60)) == 0, b.StandardError);
        output.WriteLine(b.StandardError);

        float[] heard = SignalAnalysis.ReadWavMono(wav);
        Assert.True(heard.Length > 6 * 48_000, $"A wrote {heard.Length} samples");
        return SignalAnalysis.MedianToneAmplitude(heard.AsSpan(4 * 48_000, (heard.Length - (4 * 48_000)) - 4_800), 440);
    }
}
