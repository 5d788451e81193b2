using System.Diagnostics;
using InterCom.Core.Audio;
using InterCom.Core.Devices;

namespace InterCom.Core.Tests;

/// <summary>
/// Real PortAudio streams against the JACK server (dummy driver, 48 kHz, 256-frame periods) that the
/// test command starts. PortAudio registers one JACK client per process; these tests name it
/// "intercom-tests" and wire its ports with jack_connect.
/// </summary>
[Trait(Needs.Trait, Needs.Jack)]
[Trait(Needs.Trait, Needs.Processes)]
[Collection(RealTimeCollection.Name)]
public sealed class DeviceTests
{
    internal const string ClientName = "intercom-tests";

    public DeviceTests()
    {
        PortAudioHost.JackClientName = ClientName;
    }

    [Fact]
    public void Full_duplex_stream_delivers_the_expected_callbacks_and_frames()
    {
        AudioDevice jack = JackServer.Device();
        using var stream = PortAudioStream.Open(new PortAudioStreamOptions { InputDevice = jack, OutputDevice = jack, Format = AudioFormat.Mono48k });
        var clock = Stopwatch.StartNew();
        stream.Start();
        long played = 0;
        var player = new Thread(() =>
        {
            var frame = new float[480];
            while (clock.Elapsed < TimeSpan.FromSeconds(3))
            {
                stream.Playback!.Write(frame, CancellationToken.None);
                played += frame.Length;
            }
        });
        player.Start();
        var captured = new float[480];
        long capturedSamples = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            capturedSamples += stream.Capture!.Read(captured, CancellationToken.None);
        }

        player.Join();
        double seconds = clock.Elapsed.TotalSeconds;
        Assert.Equal(256, stream.LastCallbackFrames); // the server's period: no extra buffering in PortAudio
        double expectedCallbacks = seconds * 48_000 / 256;
        Assert.InRange(stream.Callbacks, 0.95 * expectedCallbacks, 1.02 * expectedCallbacks);
        Assert.InRange(capturedSamples / seconds, 0.95 * 48_000, 1.02 * 48_000); // capture keeps pace with the device
        Assert.InRange(played / seconds, 0.95 * 48_000, 1.02 * 48_000);          // playback is paced by the device
    }

    [Fact]
    public void A_signal_played_to_out_0_wired_to_in_0_comes_back_intact()
    {
        AudioDevice jack = JackServer.Device();
        using var stream = PortAudioStream.Open(new PortAudioStreamOptions { InputDevice = jack, OutputDevice = jack, Format = AudioFormat.Mono48k });
        JackServer.Connect($"{ClientName}:out_0", $"{ClientName}:in_0");
        GC.Collect(); // what the tests before this one left on the heap is not what this one measures
        GC.WaitForPendingFinalizers();
        stream.Start();

        // A non-periodic signal (seeded noise) so the correlation peak is unique.
        var random = new Random(42);
        float[] sent = [.. Enumerable.Range(0, 48_000).Select(_ => (float)((random.NextDouble() * 2) - 1) * 0.5f)];
        var received = new float[sent.Length + 9600];
        var player = new Thread(() =>
        {
            for (int i = 0; i < sent.Length; i += 480)
            {
                stream.Playback!.Write(sent.AsSpan(i, 480), CancellationToken.None);
            }

            var silence = new float[480];
            for (int i = 0; i < 20; i++)
            {
                stream.Playback!.Write(silence, CancellationToken.None);
            }
        });
        player.Start();
        for (int i = 0; i < received.Length; i += 480)
        {
            Assert.Equal(480, stream.Capture!.Read(received.AsSpan(i, 480), CancellationToken.None));
        }

        player.Join();
        (int lag, double correlation) = SignalAnalysis.BestLag(sent.AsSpan(0, 24_000), received, maxLag: 9000);
        Assert.True(correlation > 0.99, $"correlation {correlation:F4} at lag {lag}; playback underruns {stream.PlaybackUnderruns}, capture overruns {stream.CaptureOverruns}, xruns {stream.DeviceXruns}");
        Assert.InRange(lag, 1, 4800); // the loop delay: device periods plus the ring, well under 100 ms
    }

    [Fact]
    public async Task A_call_between_two_processes_on_jack_devices_carries_a_tone_from_one_device_to_the_other()
    {
        AudioDevice jack = JackServer.Device();
        string dir = Directory.CreateTempSubdirectory("intercom-jack-").FullName;
        int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
        using var probe = PortAudioStream.Open(new PortAudioStreamOptions { InputDevice = jack, OutputDevice = jack, Format = AudioFormat.Mono48k });
        probe.Start();
        using var a = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--duration", "5", "--quiet",
            "--input", "jack:system", "--output", Path.Combine(dir, "a.wav"), "--client-name", "ic-a"]);
        using var b = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--duration", "5", "--quiet",
            "--input", "tone:660", "--output", "jack:system", "--client-name", "ic-b"]);

        // This process plays 440 Hz into A's capture port and records B's playback port.
        using var stop = new CancellationTokenSource();
        var player = new Thread(() =>
        {
            var tone = new ToneSource(440, AudioFormat.Mono48k);
            var frame = new float[256];
            while (!stop.IsCancellationRequested)
            {
                tone.Read(frame, CancellationToken.None);
                probe.Playback!.Write(frame, stop.Token);
            }
        });
        player.Start();
        JackServer.Connect($"{ClientName}:out_0", "ic-a:in_0");
        JackServer.Connect("ic-b:out_0", $"{ClientName}:in_0");
        var recorded = new List<float>();
        var buffer = new float[4800];
        var recordTask = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested && probe.Capture!.Read(buffer, stop.Token) > 0)
            {
                recorded.AddRange(buffer);
            }
        });

        int exitA = await a.WaitAsync(TimeSpan.FromSeconds(60));
        int exitB = await b.WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        player.Join();
        await recordTask;
        Assert.True(exitA == 0, a.StandardError);
        Assert.True(exitB == 0, b.StandardError);

        // Count the 100 ms windows of B's playback that carry A's captured 440 Hz tone.
        float[] heard = [.. recorded];
        int carrying = 0;
        for (int i = 0; i + 4800 <= heard.Length; i += 4800)
        {
            var window = heard.AsSpan(i, 4800);
            if (SignalAnalysis.ToneAmplitude(window, 440) > ToneSource.DefaultAmplitude / 2 && SignalAnalysis.ToneAmplitude(window, 660) < ToneSource.DefaultAmplitude / 25)
            {
                carrying++;
            }
        }

        Assert.True(carrying >= 20, $"only {carrying} windows of {heard.Length / 4800} carried the tone; A: {a.StandardError} B: {b.StandardError}");
        EndToEndTests.AssertHears(SignalAnalysis.ReadWavMono(Path.Combine(dir, "a.wav")), expected: 660, own: 440, a.StandardError);
    }

    [Fact]
    public void Asking_for_a_sample_rate_the_server_does_not_run_at_fails_with_a_clear_error()
    {
        AudioDevice jack = JackServer.Device();
        var e = Assert.ThrowsAny<Exception>(() => PortAudioStream.Open(new PortAudioStreamOptions
        {
            InputDevice = jack,
            Format = new AudioFormat(44_100, 1),
        }));
        Assert.Contains("44100 Hz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Asking_for_a_device_that_does_not_exist_names_what_there_is()
    {
        JackServer.Device();
        var e = Assert.Throws<ArgumentException>(() => PortAudioHost.FindDevice("no-such-device-here", AudioDirection.Input));
        Assert.Contains("no-such-device-here", e.Message, StringComparison.Ordinal);
        Assert.Contains("system", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Devices_are_found_by_name_index_and_host_api()
    {
        AudioDevice jack = JackServer.Device();
        Assert.Equal(jack, PortAudioHost.FindDevice("jack:system", AudioDirection.Output));
        Assert.Equal(jack, PortAudioHost.FindDevice("SYST", AudioDirection.Input));
        Assert.Equal(jack, PortAudioHost.FindDevice(jack.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), AudioDirection.Input));
    }
}
