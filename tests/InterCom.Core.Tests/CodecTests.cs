using InterCom.Core.Audio;
using InterCom.Core.Codecs;

namespace InterCom.Core.Tests;

public sealed class CodecTests
{
    [Theory]
    [InlineData(2.5, 1)]
    [InlineData(5, 1)]
    [InlineData(10, 1)]
    [InlineData(20, 1)]
    [InlineData(10, 2)]
    public void Opus_keeps_a_1kHz_tone_frequency_and_level_within_1dB(double frameMs, int channels)
    {
        var format = new AudioFormat(48_000, channels);
        var options = new CodecOptions { FrameDuration = TimeSpan.FromMilliseconds(frameMs), Bitrate = 64_000 * channels };
        float[] decoded = RoundTrip(format, options, out float[] original);

        // Skip the first 100 ms (encoder start-up and lookahead); compare the first channel.
        float[] steady = Channel(decoded, channels, 0)[4800..];
        Assert.InRange(SignalAnalysis.DominantFrequency(steady, 900, 1100), 998, 1002);
        double level = SignalAnalysis.Decibels(SignalAnalysis.Rms(steady) / SignalAnalysis.Rms(Channel(original, channels, 0).AsSpan(4800)));
        Assert.InRange(level, -1.0, 1.0);
    }

    [Theory]
    [InlineData(128)] // a 128-frame device period, as JackTrip sends it
    [InlineData(256)]
    [InlineData(32)]
    public void L16_frames_may_be_any_device_period_and_opus_frames_may_not(int samples)
    {
        var pcm = new CodecOptions { Codec = AudioCodec.Pcm, FrameDuration = CodecOptions.ForSamples(samples) };
        pcm.Validate();
        Assert.Equal(samples, pcm.FrameSamples);
        using IAudioEncoder encoder = AudioCodecFactory.CreateEncoder(AudioFormat.Mono48k, pcm);
        Assert.Equal(2 * samples, encoder.Encode(new float[samples], new byte[4096])); // L16: two bytes a sample
        Assert.Throws<ArgumentException>(() => (pcm with { Codec = AudioCodec.Opus }).Validate());
        Assert.Throws<ArgumentException>(() => (pcm with { FrameDuration = CodecOptions.ForSamples(CodecOptions.MinPcmFrameSamples - 1) }).Validate());
    }

    [Theory]
    [InlineData(AudioCodec.Pcm, 128, 128)]   // one device period
    [InlineData(AudioCodec.Pcm, 16, 120)]    // too short for an L16 frame: the configured 2.5 ms stay
    [InlineData(AudioCodec.Pcm, 2048, 120)]  // too long
    [InlineData(AudioCodec.Pcm, null, 120)]  // no period known (no capture device)
    [InlineData(AudioCodec.Opus, 128, 120)]  // Opus frames are never a period
    public void Frames_of_a_device_period_only_for_l16_and_only_a_valid_frame(AudioCodec codec, int? period, int expected)
        => Assert.Equal(expected, new CodecOptions { Codec = codec, FrameDuration = TimeSpan.FromMilliseconds(2.5) }.WithFramesOfPeriod(period).FrameSamples);

    [Fact]
    public void Pcm_is_bit_exact_for_16_bit_samples()
    {
        var format = AudioFormat.Stereo48k;
        var options = new CodecOptions { Codec = AudioCodec.Pcm };
        using var encoder = AudioCodecFactory.CreateEncoder(format, options);
        using var decoder = AudioCodecFactory.CreateDecoder(AudioCodec.Pcm, format);
        var random = new Random(7);
        var pcm = new float[options.FrameSamples * 2];
        for (int i = 0; i < pcm.Length; i++)
        {
            pcm[i] = random.Next(short.MinValue, short.MaxValue + 1) / 32768f; // exactly representable 16-bit values
        }

        var payload = new byte[2000];
        int length = encoder.Encode(pcm, payload);
        Assert.Equal(pcm.Length * 2, length);
        var decoded = new float[pcm.Length];
        Assert.Equal(options.FrameSamples, decoder.GetFrameSamples(payload.AsSpan(0, length)));
        Assert.Equal(options.FrameSamples, decoder.Decode(payload.AsSpan(0, length), decoded));
        Assert.Equal(pcm, decoded);
        Assert.Equal((byte)(PcmConversion.ToInt16(pcm[0]) >> 8), payload[0]); // big-endian on the wire
    }

    [Fact]
    public void Opus_concealment_continues_the_tone_instead_of_stopping()
    {
        var format = AudioFormat.Mono48k;
        var options = new CodecOptions();
        using var encoder = AudioCodecFactory.CreateEncoder(format, options);
        using var decoder = AudioCodecFactory.CreateDecoder(AudioCodec.Opus, format);
        var tone = new ToneSource(500, format);
        var pcm = new float[480];
        var payload = new byte[1500];
        for (int i = 0; i < 30; i++)
        {
            tone.Read(pcm, CancellationToken.None);
            int n = encoder.Encode(pcm, payload);
            Assert.Equal(480, decoder.Decode(payload.AsSpan(0, n), pcm));
        }

        var concealed = new float[480];
        decoder.Conceal(concealed, 480);
        Assert.True(SignalAnalysis.ToneAmplitude(concealed, 500) > 0.4 * ToneSource.DefaultAmplitude, "PLC should extrapolate the tone");
    }

    [Fact]
    public void Pcm_concealment_fades_to_silence_and_never_repeats_stale_audio()
    {
        var format = AudioFormat.Mono48k;
        using var decoder = AudioCodecFactory.CreateDecoder(AudioCodec.Pcm, format);
        byte[] payload = new byte[960];
        for (int i = 0; i < 480; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(payload.AsSpan(2 * i), 16384);
        }

        var pcm = new float[480];
        decoder.Decode(payload, pcm);
        decoder.Conceal(pcm, 480);
        Assert.InRange(pcm[0], 0.45f, 0.5f);
        Assert.True(pcm.Skip(120).All(s => s == 0));
        decoder.Conceal(pcm, 480);
        Assert.True(pcm.All(s => s == 0));
    }

    [Fact]
    public void Decoders_reject_garbage_without_throwing()
    {
        using var opus = AudioCodecFactory.CreateDecoder(AudioCodec.Opus, AudioFormat.Mono48k);
        var pcm = new float[5760];
        var random = new Random(3);
        var payload = new byte[200];
        for (int i = 0; i < 2000; i++)
        {
            random.NextBytes(payload);
            int length = random.Next(payload.Length);
            int frames = opus.GetFrameSamples(payload.AsSpan(0, length));
            if (frames > 0)
            {
                _ = opus.Decode(payload.AsSpan(0, length), pcm); // decodes to something or returns -1: never throws
            }
        }

        Assert.Equal(-1, opus.GetFrameSamples([]));
    }

    [Theory]
    [InlineData(7.0)]
    [InlineData(40.0)]
    public void Rejects_frame_durations_opus_does_not_have(double frameMs)
    {
        var options = new CodecOptions { FrameDuration = TimeSpan.FromMilliseconds(frameMs) };
        var e = Assert.Throws<ArgumentException>(() => AudioCodecFactory.CreateEncoder(AudioFormat.Mono48k, options));
        Assert.Equal("FrameDuration", e.ParamName);
    }

    private static float[] RoundTrip(AudioFormat format, CodecOptions options, out float[] original)
    {
        using var encoder = AudioCodecFactory.CreateEncoder(format, options);
        using var decoder = AudioCodecFactory.CreateDecoder(options.Codec, format);
        var tone = new ToneSource(1000, format);
        int frame = options.FrameSamples * format.Channels;
        int frames = 48_000 / options.FrameSamples; // one second
        original = new float[frame * frames];
        var decoded = new float[frame * frames];
        var payload = new byte[1500];
        for (int i = 0; i < frames; i++)
        {
            Span<float> input = original.AsSpan(i * frame, frame);
            tone.Read(input, CancellationToken.None);
            int length = encoder.Encode(input, payload);
            Assert.Equal(options.FrameSamples, decoder.Decode(payload.AsSpan(0, length), decoded.AsSpan(i * frame, frame)));
        }

        return decoded;
    }

    private static float[] Channel(float[] interleaved, int channels, int channel)
        => [.. Enumerable.Range(0, interleaved.Length / channels).Select(i => interleaved[(i * channels) + channel])];
}
