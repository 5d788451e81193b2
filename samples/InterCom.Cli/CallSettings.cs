using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;

namespace InterCom.Cli;

/// <summary>The audio options that <c>call</c>, <c>demo</c> and <c>latency</c> share: profile, codec, frame, bitrate, channels, buffer.</summary>
/// <param name="Format">The call's PCM format.</param>
/// <param name="Codec">Codec settings.</param>
/// <param name="JitterBuffer">Playout settings.</param>
/// <param name="PlaybackQueuePeriods">Device periods kept queued for playback (<see cref="Core.Devices.PortAudioStreamOptions.PlaybackQueuePeriods"/>).</param>
/// <param name="FramesOfPeriod">L16 frames of one capture device period, as JackTrip sends (--frame-ms period; the default of low-latency L16): set once the device runs.</param>
internal sealed record CallSettings(AudioFormat Format, CodecOptions Codec, JitterBufferOptions JitterBuffer, int PlaybackQueuePeriods = 2, bool FramesOfPeriod = false)
{
    /// <summary>The shared options, made anew for each command that takes them.</summary>
    public static IEnumerable<System.CommandLine.Option> Definitions() =>
    [
        CliOption.Value("profile", "default|low-latency", "low-latency: 2.5 ms frames, Opus restricted-lowdelay (2.5 ms lookahead instead of 6.5) (with managed Opus also one device period of playback queue instead of two); other options still apply (default: default)"),
        CliOption.Value("codec", "opus|pcm", "payload format (default opus; pcm = L16, uncompressed)"),
        CliOption.Value("frame-ms", "2.5|5|10|20|period", "audio per packet (default 10); period: L16 only, one capture device period per packet, as JackTrip sends (the default of --profile low-latency --codec pcm; 2.5 ms without a capture device)"),
        CliOption.Value("bitrate", "BPS", "Opus bitrate, 6000..510000 (default 32000 per channel)"),
        CliOption.Value("channels", "1|2", "mono or stereo (default 1)"),
        CliOption.Value("dtx", "on|off", "discontinuous transmission: while the input is silent send only comfort noise (RFC 3389) every 400 ms, which the other end plays (default off)"),
        CliOption.Value("buffer-ms", "auto|N", "jitter buffer delay: auto = follows the network and the reads (as little as still had 99 % of recent packets in time), N = N ms kept beyond what each read takes, 0..1000 (default auto)"),
        CliOption.Value("buffer-min-ms", "N", "ms the automatic delay keeps beyond what the network needs (default 0)"),
        CliOption.Value("buffer-max-ms", "N", "most ms the automatic delay keeps beyond a read (default 500)"),
        CliOption.Value("opus-library", "auto|managed|native", "Opus implementation: native libopus (needs libopus.so: apt-get install libopus-dev) or Concentus's managed port; auto = native when it loads (default auto)"),
    ];

    private static readonly Dictionary<string, AudioCodec> s_codecs = new() { ["opus"] = AudioCodec.Opus, ["pcm"] = AudioCodec.Pcm };
    private static readonly Dictionary<string, OpusLibrary> s_opusLibraries = new() { ["auto"] = OpusLibrary.Auto, ["managed"] = OpusLibrary.Managed, ["native"] = OpusLibrary.Native };

    private static readonly Dictionary<string, bool> s_profiles = new() { ["default"] = false, ["low-latency"] = true };
    private static readonly Dictionary<string, bool> s_onOff = new() { ["on"] = true, ["off"] = false };

    public static CallSettings Parse(Arguments args)
    {
        bool lowLatency = args.Choice("profile", s_profiles) ?? false;
        AudioCodec payload = args.Choice("codec", s_codecs) ?? AudioCodec.Opus;
        bool period = args.Single("frame-ms") is "period" || (args.Single("frame-ms") is null && lowLatency && payload == AudioCodec.Pcm);
        if (period && payload != AudioCodec.Pcm)
        {
            throw new UsageException("--frame-ms period is for L16 only (--codec pcm): Opus frames are 2.5, 5, 10 or 20 ms.");
        }

        double frameMs = period ? 2.5 : args.Number("frame-ms", 2.5, 20) ?? (lowLatency ? 2.5 : 10);
        if (frameMs is not (2.5 or 5 or 10 or 20))
        {
            throw new UsageException($"--frame-ms must be 2.5, 5, 10, 20 or period, not {frameMs}.");
        }

        int channels = args.Integer("channels", 1, 2) ?? 1;
        var codec = new CodecOptions
        {
            Codec = payload,
            FrameDuration = TimeSpan.FromMilliseconds(frameMs),
            Bitrate = args.Integer("bitrate", 6_000, 510_000),
            OpusLibrary = args.Choice("opus-library", s_opusLibraries) ?? OpusLibrary.Auto,
            Application = lowLatency ? OpusApplicationMode.RestrictedLowDelay : OpusApplicationMode.Voip,
            DiscontinuousTransmission = args.Choice("dtx", s_onOff) ?? false,
        };
        return new CallSettings(new AudioFormat(AudioFormat.CallSampleRate, channels), codec, ParseBuffer(args), lowLatency ? 1 : 2, period);
    }

    /// <summary>
    /// With <see cref="FramesOfPeriod"/>, L16 frames of the capture device's period once its first callback
    /// said it (waiting up to a second for it); otherwise, or without a capture device, these settings.
    /// </summary>
    public async Task<CallSettings> WithDevicePeriodAsync(Core.Devices.AudioEndpoints endpoints, CancellationToken cancellationToken)
    {
        if (!FramesOfPeriod)
        {
            return this;
        }

        int? period = await endpoints.WaitForCapturePeriodAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        return this with { Codec = Codec.WithFramesOfPeriod(period) };
    }

    private static JitterBufferOptions ParseBuffer(Arguments args)
    {
        var defaults = new JitterBufferOptions();
        double min = args.Number("buffer-min-ms", 0, 1000) ?? defaults.MinDelay.TotalMilliseconds;
        double max = args.Number("buffer-max-ms", 0, 1000) ?? defaults.MaxDelay.TotalMilliseconds;
        if (min > max)
        {
            throw new UsageException($"--buffer-min-ms {min} is above --buffer-max-ms {max}.");
        }

        var jitter = defaults with { MinDelay = TimeSpan.FromMilliseconds(min), MaxDelay = TimeSpan.FromMilliseconds(max) };
        if (args.Single("buffer-ms") is null or "auto")
        {
            return jitter;
        }

        if (args.Single("buffer-min-ms") is not null || args.Single("buffer-max-ms") is not null)
        {
            throw new UsageException("--buffer-min-ms and --buffer-max-ms bound the automatic delay: they do not go with a fixed --buffer-ms.");
        }

        return jitter with { Adaptive = false, TargetDelay = TimeSpan.FromMilliseconds(args.Number("buffer-ms", 0, 1000)!.Value) };
    }
}
