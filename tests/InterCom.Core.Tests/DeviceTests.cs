using System.Diagnostics;
using InterCom.Core.Audio;
using InterCom.Core.Devices;

namespace InterCom.Core.Tests;

/// <summary>Real PortAudio streams against the JACK server (dummy driver, 48 kHz, 256-frame periods).</summary>
[Collection(RealTimeCollection.Name)]
public sealed class DeviceTests
{
    [Fact]
    public void Full_duplex_stream_delivers_the_expected_callbacks_and_frames()
    {
        AudioDevice jack = JackServer.Device();
        using var stream = PortAudioStream.Open(new PortAudioStreamOptions { InputDevice = jack, OutputDevice = jack, Format = AudioFormat.Mono48k });
        var clock = Stopwatch.StartNew();
        stream.Start();
        var captured = new float[480];
        long capturedSamples = 0;
        long played = 0;
        var player = new Thread(() =>
        {
            var frame = new float[480];
            while (clock.Elapsed < TimeSpan.FromSeconds(3))
            {
                stream.Playback!.Write(frame, CancellationToken.None);
                played += 480;
            }
        });
        player.Start();
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            capturedSamples += stream.Capture!.Read(captured, CancellationToken.None);
        }

        player.Join();
        Console.Error.WriteLine($"played {played / clock.Elapsed.TotalSeconds:F0}/s underruns {stream.PlaybackUnderruns}");

        double seconds = clock.Elapsed.TotalSeconds;
        long callbacks = stream.Callbacks;
        int period = stream.LastCallbackFrames;
        Console.Error.WriteLine($"callbacks {callbacks} in {seconds:F2}s, period {period}, captured {capturedSamples} = {capturedSamples / seconds:F0}/s");
        double expected = seconds * 48_000 / period;
        Assert.InRange(callbacks, 0.95 * expected, 1.05 * expected);
        Assert.InRange(capturedSamples / seconds, 0.95 * 48_000, 1.05 * 48_000);
    }
}
