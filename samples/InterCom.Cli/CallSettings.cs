using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;

namespace InterCom.Cli;

/// <summary>The audio options that <c>call</c> and <c>demo</c> share: codec, frame, bitrate, channels, buffer.</summary>
internal sealed record CallSettings(AudioFormat Format, CodecOptions Codec, JitterBufferOptions JitterBuffer)
{
    public static readonly string[] Options = ["codec", "frame-ms", "bitrate", "channels", "buffer-ms", "opus-library"];

    public const string Help = """
          --codec opus|pcm         payload format (default opus; pcm = L16, uncompressed)
          --frame-ms 2.5|5|10|20   audio per packet (default 10)
          --bitrate BPS            Opus bitrate, 6000..510000 (default 32000 per channel)
          --channels 1|2           mono or stereo (default 1)
          --buffer-ms N            jitter buffer target delay, 0..1000 ms (default 40)
          --opus-library auto|managed|native
                                   Opus implementation: native libopus (needs libopus.so: apt-get
                                   install libopus-dev) or Concentus's managed port; auto = native
                                   when it loads (default auto)
        """;

    private static readonly Dictionary<string, AudioCodec> s_codecs = new() { ["opus"] = AudioCodec.Opus, ["pcm"] = AudioCodec.Pcm };
    private static readonly Dictionary<string, OpusLibrary> s_opusLibraries = new() { ["auto"] = OpusLibrary.Auto, ["managed"] = OpusLibrary.Managed, ["native"] = OpusLibrary.Native };

    public static CallSettings Parse(Arguments args)
    {
        double frameMs = args.Number("frame-ms", 2.5, 20) ?? 10;
        if (frameMs is not (2.5 or 5 or 10 or 20))
        {
            throw new UsageException($"--frame-ms must be 2.5, 5, 10 or 20, not {frameMs}.");
        }

        int channels = args.Integer("channels", 1, 2) ?? 1;
        var codec = new CodecOptions
        {
            Codec = args.Choice("codec", s_codecs) ?? AudioCodec.Opus,
            FrameDuration = TimeSpan.FromMilliseconds(frameMs),
            Bitrate = args.Integer("bitrate", 6_000, 510_000),
            OpusLibrary = args.Choice("opus-library", s_opusLibraries) ?? OpusLibrary.Auto,
        };
        var jitter = new JitterBufferOptions { TargetDelay = TimeSpan.FromMilliseconds(args.Number("buffer-ms", 0, 1000) ?? 40) };
        return new CallSettings(new AudioFormat(AudioFormat.CallSampleRate, channels), codec, jitter);
    }
}
