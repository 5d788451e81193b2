using BenchmarkDotNet.Attributes;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;

namespace InterCom.Benchmarks;

/// <summary>
/// Encode and decode one frame of a tone, per codec, Opus implementation and frame duration. Checks
/// its own output. Native libopus needs libopus.so (apt-get install libopus-dev).
/// </summary>
public class CodecBenchmarks
{
    private IAudioEncoder _encoder = null!;
    private IAudioDecoder _decoder = null!;
    private float[] _pcm = null!;
    private float[] _decoded = null!;
    private readonly byte[] _payload = new byte[4000];
    private int _payloadLength;

    [Params(AudioCodec.Opus, AudioCodec.Pcm)]
    public AudioCodec Codec { get; set; }

    [Params(2.5, 10, 20)]
    public double FrameMs { get; set; }

    [Params(OpusLibrary.Managed, OpusLibrary.Native)]
    public OpusLibrary Library { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new CodecOptions { Codec = Codec, FrameDuration = TimeSpan.FromMilliseconds(FrameMs), OpusLibrary = Library };
        _encoder = AudioCodecFactory.CreateEncoder(AudioFormat.Mono48k, options);
        _decoder = AudioCodecFactory.CreateDecoder(Codec, AudioFormat.Mono48k, Library);
        _pcm = new float[options.FrameSamples];
        _decoded = new float[5760];
        new ToneSource(1000, AudioFormat.Mono48k).Read(_pcm, CancellationToken.None);
        _payloadLength = _encoder.Encode(_pcm, _payload);
        if (_decoder.Decode(_payload.AsSpan(0, _payloadLength), _decoded) != options.FrameSamples)
        {
            throw new InvalidOperationException("The codec did not round-trip a frame.");
        }
    }

    [Benchmark]
    public int Encode() => _encoder.Encode(_pcm, _payload);

    [Benchmark]
    public int Decode() => _decoder.Decode(_payload.AsSpan(0, _payloadLength), _decoded);
}
