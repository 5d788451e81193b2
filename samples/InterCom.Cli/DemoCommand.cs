using System.Globalization;
using System.Net;
using InterCom.Core.Testing;
using InterCom.Core.Audio;
using InterCom.Core.Devices;
using InterCom.Core.Diagnostics;
using InterCom.Core.Hosting;
using InterCom.Core.Video;
using Microsoft.Extensions.Logging;

namespace InterCom.Cli;

/// <summary>
/// <c>intercom demo</c>: two call endpoints in this process, talking over loopback UDP. With audio
/// devices, endpoint A uses them (you hear B's tone; B records A's microphone); without, both send
/// tones and record WAV files, and the demo checks that each heard the other.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The command, its options and its help.</summary>
    public static System.CommandLine.Command Definition() => CliOption.Command(
        "demo",
        """
        Runs a call between two endpoints, A and B, on this machine over loopback UDP. With audio devices,
        A captures from the default input and plays to the default output (you hear B's 660 Hz tone) and
        B records what A captured. Without devices (or with --no-devices), A sends a 440 Hz tone and B a
        660 Hz tone, each records what it hears to a WAV file, and the demo checks both. Each end also
        sends the video test pattern (VP8), shown in a window where there is a display, else written to
        Y4M files; the demo checks that the frames arrived, in order (--no-video: audio only).
        """,
        [
            CliOption.Value("duration", "SECONDS", "how long the call lasts (default 3)"),
            CliOption.Value("out-dir", "DIR", "where the WAV files go (default ./intercom-demo)"),
            CliOption.Flag("no-devices", "use tones and WAV files even where there are audio devices"),
            CliOption.Flag("no-video", "audio only (video needs libvpx7; its window libsdl2-2.0-0 and a display)"),
            CliOption.Flag("no-window", "write the video to Y4M files even where there is a display"),
            CliOption.Value("client-name", "NAME", "JACK client name for endpoint A's device stream"),
        ],
        CallSettings.Definitions(),
        [CliOption.Flag("verbose", "log what the library does to standard error")]);

    private const double ToneA = 440, ToneB = 660;

    public static async Task<int> RunAsync(Arguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        CallSettings settings = CallSettings.Parse(args);
        double duration = args.Number("duration", 0.5, 3600) ?? 3;
        string outDir = Path.GetFullPath(args.Single("out-dir") ?? "intercom-demo");
        Directory.CreateDirectory(outDir);
        string wavA = Path.Combine(outDir, "demo-a.wav"), wavB = Path.Combine(outDir, "demo-b.wav");
        using ILoggerFactory loggerFactory = ConsoleLogging.Create(args.Has("verbose"));

        string? noDevicesReason = args.Has("no-devices") ? "--no-devices" : DevicesMissing();
        bool useDevices = noDevicesReason is null;
        AudioEndpoints? devicesA = null;
        if (useDevices)
        {
            try
            {
                devicesA = AudioEndpoints.Open("default", "default", settings.Format, clientName: args.Single("client-name"));
            }
            catch (Exception e) when (e is ArgumentException or Core.Interop.PortAudioException)
            {
                noDevicesReason = $"the default devices would not open ({e.Message})";
                useDevices = false;
            }
        }

        var options = new VoiceSessionOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Format = settings.Format,
            Codec = settings.Codec,
            JitterBuffer = settings.JitterBuffer,
            LoggerFactory = loggerFactory,
            Key = Core.Security.SrtpMasterKey.Generate(), // encrypted, as a call should be: both ends share a fresh key
        };
        string? noVideoReason = args.Has("no-video") ? "--no-video" : VideoMissing();
        if (noVideoReason is null)
        {
            options = options with { Video = new VideoOptions() };
        }

        await using var a = new VoiceSession(options);
        await using var b = new VoiceSession(options);
        a.Sender.AddPeer(b.LocalEndPoint);
        b.Sender.AddPeer(a.LocalEndPoint);
        DemoVideo? video = noVideoReason is null ? DemoVideo.Open(outDir, window: !args.Has("no-window")) : null;
        await output.WriteLineAsync(video is null
            ? $"No video ({noVideoReason})."
            : $"Video: each end sends the test pattern (VP8, {VideoFormat.Default}); {video.Describe()}.").ConfigureAwait(false);

        await output.WriteLineAsync($"intercom demo: endpoint A on {a.LocalEndPoint}, endpoint B on {b.LocalEndPoint}, " +
            $"{settings.Codec.Codec.ToString().ToLowerInvariant()} {settings.Codec.FrameDuration.TotalMilliseconds} ms frames, {settings.Format}, {duration} s, encrypted (SRTP AES-128-GCM, a fresh key).").ConfigureAwait(false);
        if (useDevices)
        {
            await output.WriteLineAsync($"A: {devicesA!.InputDescription} -> B; B: tone {ToneB} Hz -> A, played on {devicesA.OutputDescription}.").ConfigureAwait(false);
            await output.WriteLineAsync($"You should hear a {ToneB} Hz tone; what A's microphone captured is recorded by B in {wavB}.").ConfigureAwait(false);
            a.Start(devicesA.Source, devicesA.Sink, DemoVideo.Source(video), video?.SinkA);
            b.Start(new ToneSource(ToneB, settings.Format), new WavFileSink(wavB, settings.Format), DemoVideo.Source(video), video?.SinkB);
        }
        else
        {
            await output.WriteLineAsync($"No audio devices used ({noDevicesReason}): A sends a {ToneA} Hz tone and records to {wavA}; " +
                $"B sends a {ToneB} Hz tone and records to {wavB}.").ConfigureAwait(false);
            a.Start(new ToneSource(ToneA, settings.Format), new WavFileSink(wavA, settings.Format), DemoVideo.Source(video), video?.SinkA);
            b.Start(new ToneSource(ToneB, settings.Format), new WavFileSink(wavB, settings.Format), DemoVideo.Source(video), video?.SinkB);
        }

        await CallCommand.HoldAsync(a, devicesA, duration, quiet: false, error, cancellationToken).ConfigureAwait(false);
        await a.DisposeAsync().ConfigureAwait(false);
        await b.DisposeAsync().ConfigureAwait(false);
        devicesA?.Dispose();

        await Report(output, "A", a.GetStatistics()).ConfigureAwait(false);
        await Report(output, "B", b.GetStatistics()).ConfigureAwait(false);
        bool ok = true;
        if (!useDevices)
        {
            ok &= await Check(output, "A", wavA, ToneB, ToneA).ConfigureAwait(false);
            ok &= await Check(output, "B", wavB, ToneA, ToneB).ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync($"B recorded {new FileInfo(wavB).Length} bytes of A's capture to {wavB}.").ConfigureAwait(false);
        }

        if (video is not null)
        {
            ok &= await DemoVideo.CheckAsync(output, "A", a.GetStatistics().Video!, duration, video.FileA).ConfigureAwait(false);
            ok &= await DemoVideo.CheckAsync(output, "B", b.GetStatistics().Video!, duration, video.FileB).ConfigureAwait(false);
        }

        await output.WriteLineAsync(ok ? $"Demo OK: both directions carried audio{(video is null ? "" : " and video")}." : "Demo FAILED: see above.").ConfigureAwait(false);
        return ok ? 0 : 1;
    }

    /// <summary>Why the demo has no video here (libvpx missing or another release), or <see langword="null"/>.</summary>
    private static string? VideoMissing()
    {
        try
        {
            Vp8Library.EnsureAvailable();
            return null;
        }
        catch (PlatformNotSupportedException e)
        {
            return e.Message;
        }
    }

    private static string? DevicesMissing()
    {
        try
        {
            IReadOnlyList<AudioDevice> devices = PortAudioHost.GetDevices();
            return devices.Any(d => d.MaxInputChannels > 0) && devices.Any(d => d.MaxOutputChannels > 0)
                ? null
                : "PortAudio lists no input and output device";
        }
        catch (PlatformNotSupportedException)
        {
            return "PortAudio is not installed";
        }
        catch (Core.Interop.PortAudioException e)
        {
            return $"PortAudio failed: {e.Message}";
        }
    }

    private static Task Report(TextWriter output, string name, SessionStatistics stats)
    {
        PeerStatistics? peer = stats.Peers.Count > 0 ? stats.Peers[0] : null;
        return output.WriteLineAsync(peer is null
            ? $"{name}: sent {stats.PacketsSent} packets; received nothing."
            : string.Create(CultureInfo.InvariantCulture, $"{name}: sent {stats.PacketsSent} packets ({stats.BytesSent} bytes); received {peer.PacketsReceived}, lost {peer.PacketsLost}, late {peer.PacketsLate}, concealed {peer.FramesConcealed}, jitter {peer.JitterMs:F2} ms, playout delay {peer.PlayoutDelayMs:F0} ms."));
    }

    /// <summary>Checks that <paramref name="path"/> holds <paramref name="expected"/> Hz and not <paramref name="own"/> Hz.</summary>
    private static async Task<bool> Check(TextWriter output, string name, string path, double expected, double own)
    {
        float[] samples = WavFileSource.ReadAll(path, channels: 1);
        int skip = Math.Min(samples.Length, 48_000 / 2);
        ReadOnlySpan<float> steady = samples.AsSpan(skip);
        double heard = ToneMeter.MedianAmplitude(steady, expected), echo = ToneMeter.MedianAmplitude(steady, own);
        bool ok = heard > 0.05 && echo < heard / 10;
        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"{name} heard the other end's {expected} Hz tone at {ToneMeter.ToDecibels(heard):F1} dBFS (its own {own} Hz: {ToneMeter.ToDecibels(echo):F1} dBFS): {(ok ? "OK" : "MISSING")}; {path}")).ConfigureAwait(false);
        return ok;
    }
}
