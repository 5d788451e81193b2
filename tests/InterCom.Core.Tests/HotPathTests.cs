using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Diagnostics;
using InterCom.Core.Jitter;
using InterCom.Core.Mixing;
using InterCom.Core.Rtp;
using InterCom.Core.Security;

namespace InterCom.Core.Tests;

/// <summary>The per-frame path allocates nothing in steady state, and both Opus implementations carry a call.</summary>
[Collection(RealTimeCollection.Name)] // alone: other tests' collections can charge this thread's allocation context
public sealed class HotPathTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(AudioCodec.Pcm)]
    [InlineData(AudioCodec.Opus)] // native libopus: the test command installs libopus-dev
    public void Steady_state_allocates_nothing_per_frame_from_encoder_to_mixer(AudioCodec codec)
    {
        AudioFormat format = AudioFormat.Mono48k;
        var options = new CodecOptions { Codec = codec, OpusLibrary = OpusLibrary.Native };
        SrtpMasterKey key = SrtpMasterKey.Generate();
        using IAudioEncoder encoder = AudioCodecFactory.CreateEncoder(format, options);
        using var sending = new SrtpSession(key);
        using var receiving = new SrtpSession(key);
        var packetizer = new RtpPacketizer((byte)options.PayloadType);
        using var buffer = new JitterBuffer(packetizer.Ssrc, AudioCodecFactory.CreateDecoder(codec, format, OpusLibrary.Native), new JitterBufferOptions { TargetDelay = TimeSpan.Zero }, options.FrameSamples);
        var tone = new ToneSource(440, format);
        var pcm = new float[options.FrameSamples];
        var packet = new byte[RtpHeader.FixedSize + 1500 + SrtpSession.TagLength];
        var plain = new byte[packet.Length];
        var decoded = new float[options.FrameSamples];
        var mix = new float[options.FrameSamples];
        long arrival = 0;
        int failures = 0;

        // No assertion inside: the test framework's own checks allocate. Failures are counted instead.
        void Frame()
        {
            tone.Read(pcm, CancellationToken.None);
            int payload = encoder.Encode(pcm, packet.AsSpan(RtpHeader.FixedSize));
            packetizer.WriteHeader(packet, options.FrameSamples);
            int length = sending.ProtectRtp(packet, RtpHeader.FixedSize + payload);
            if (receiving.UnprotectRtp(packet.AsSpan(0, length), plain, out int plainLength) != SrtpResult.Ok
                || !RtpHeader.TryParse(plain.AsSpan(0, plainLength), out RtpHeader header, out int offset, out int size)
                || !buffer.Insert(header, plain.AsSpan(offset, size), arrival += options.FrameSamples))
            {
                failures++;
                return;
            }

            buffer.Read(decoded);
            mix.AsSpan().Clear();
            AudioMixer.Accumulate(mix, decoded, 0.5f);
            AudioMixer.Accumulate(mix, decoded, 0.5f);
            AudioMixer.SoftClip(mix);
        }

        for (int i = 0; i < 200; i++)
        {
            Frame(); // warm up: JIT, tiering, first-use allocations
        }

        PeerStatistics start = buffer.GetStatistics();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Frame();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        PeerStatistics end = buffer.GetStatistics();
        output.WriteLine($"{codec}: expanded {end.ExpandedMs - start.ExpandedMs} ms, shortened {end.ShortenedMs - start.ShortenedMs} ms, target {end.TargetDelayMs} ms, delay {end.PlayoutDelayMs:F1} ms");
        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
        Assert.True(SignalAnalysis.ToneAmplitude(mix, 440) > 0.15, "the path did not carry the tone");
        Assert.Equal(0, buffer.GetStatistics().FramesConcealed);
    }

    [Fact]
    public void Talkspurts_and_silences_under_dtx_with_aes_cm_srtp_allocate_nothing_per_frame()
    {
        AudioFormat format = AudioFormat.Mono48k;
        var options = new CodecOptions { OpusLibrary = OpusLibrary.Native, DiscontinuousTransmission = true };
        byte[] key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(30);
        using IAudioEncoder encoder = AudioCodecFactory.CreateEncoder(format, options);
        using var sending = new SrtpSession(SrtpProfile.AesCm128HmacSha1_80, key.AsSpan(0, 16), key.AsSpan(16));
        using var receiving = new SrtpSession(SrtpProfile.AesCm128HmacSha1_80, key.AsSpan(0, 16), key.AsSpan(16));
        var dtx = new Speech.DiscontinuousTransmission(options.FrameDuration, 1);
        var packetizer = new RtpPacketizer((byte)options.PayloadType);
        using var buffer = new JitterBuffer(packetizer.Ssrc, AudioCodecFactory.CreateDecoder(AudioCodec.Opus, format, OpusLibrary.Native), new JitterBufferOptions { TargetDelay = TimeSpan.Zero }, options.FrameSamples)
        {
            ComfortNoisePayloadType = (byte)options.ComfortNoisePayloadType,
        };
        var tone = new ToneSource(440, format);
        float[] noise = DtxTests.Noise(1, -60, seed: 2);
        var pcm = new float[options.FrameSamples];
        var packet = new byte[RtpHeader.FixedSize + 1500 + SrtpSession.TagLength];
        var plain = new byte[packet.Length];
        var decoded = new float[options.FrameSamples];
        long arrival = 0;
        int frames = 0, failures = 0;

        // Half a second of tone, half a second of a quiet room, over and over. No assertion inside: they allocate.
        void Frame()
        {
            bool talking = frames++ / 50 % 2 == 0;
            if (talking)
            {
                tone.Read(pcm, CancellationToken.None);
            }
            else
            {
                noise.AsSpan(frames % 50 * options.FrameSamples, options.FrameSamples).CopyTo(pcm);
            }

            arrival += options.FrameSamples;
            int payload;
            switch (dtx.Next(pcm))
            {
                case Speech.TransmitDecision.Audio:
                    payload = encoder.Encode(pcm, packet.AsSpan(RtpHeader.FixedSize));
                    packetizer.WriteHeader(packet, options.FrameSamples);
                    break;
                case Speech.TransmitDecision.ComfortNoise:
                    payload = dtx.WriteComfortNoise(packet.AsSpan(RtpHeader.FixedSize));
                    packetizer.WriteComfortNoiseHeader(packet, (byte)options.ComfortNoisePayloadType, options.FrameSamples);
                    break;
                default:
                    packetizer.Skip(options.FrameSamples);
                    buffer.Read(decoded);
                    return;
            }

            int length = sending.ProtectRtp(packet, RtpHeader.FixedSize + payload);
            if (receiving.UnprotectRtp(packet.AsSpan(0, length), plain, out int plainLength) != SrtpResult.Ok
                || !RtpHeader.TryParse(plain.AsSpan(0, plainLength), out RtpHeader header, out int offset, out int size)
                || !buffer.Insert(header, plain.AsSpan(offset, size), arrival))
            {
                failures++;
            }

            buffer.Read(decoded);
        }

        for (int i = 0; i < 200; i++)
        {
            Frame(); // warm up: JIT, tiering, first-use allocations, two talkspurts and silences
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Frame();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        PeerStatistics stats = buffer.GetStatistics();
        output.WriteLine($"suppressed {dtx.FramesSuppressed} frames; comfort noise {stats.ComfortNoiseMs} ms, concealed {stats.FramesConcealed}");
        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
        Assert.True(dtx.FramesSuppressed > 300 && stats.ComfortNoiseMs > 3_000, $"suppressed {dtx.FramesSuppressed}, comfort noise {stats.ComfortNoiseMs} ms");
    }

    /// <summary>
    /// What a device's audio callback runs when it pulls playout (<see cref="Pipelines.ReceiveDecodePlay.Render"/>):
    /// every sender's jitter buffer read, decoded, measured, stretched and mixed, a 256-sample period
    /// at a time, with two senders' packets coming in through the receive path between periods, as
    /// the 2.5 ms frames of a 256-sample device period do. Nothing may allocate there.
    /// </summary>
    [Theory]
    [InlineData(AudioCodec.Pcm)]
    [InlineData(AudioCodec.Opus)] // native libopus
    public async Task A_device_callback_pulling_the_mix_allocates_nothing(AudioCodec codec)
    {
        const int period = 256;
        AudioFormat format = AudioFormat.Mono48k;
        var options = new CodecOptions { Codec = codec, OpusLibrary = OpusLibrary.Native, FrameDuration = TimeSpan.FromMilliseconds(2.5), Application = OpusApplicationMode.RestrictedLowDelay };
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(); // a period of time per period of audio, as on a device
        await using var rig = new ReceiveRig(options, new Sessions.RtpSessionOptions { HearAnySource = true, Time = time });
        Pipelines.ReceiveDecodePlay receiver = rig.Receiver;
        var senders = new[] { (Tone: 440.0, From: new IPEndPoint(IPAddress.Loopback, 5004)), (Tone: 660.0, From: new IPEndPoint(IPAddress.Loopback, 5006)) }
            .Select(s => (Encoder: AudioCodecFactory.CreateEncoder(format, options), Packetizer: new RtpPacketizer((byte)options.PayloadType), Tone: new ToneSource(s.Tone, format), From: s.From.Serialize()))
            .ToArray();
        var pcm = new float[options.FrameSamples];
        var packet = new byte[RtpHeader.FixedSize + 1500];
        var played = new float[period];
        long captured = 0, sent = 0;

        void Period()
        {
            captured += period;
            for (; (sent + 1) * options.FrameSamples <= captured; sent++) // the frames this period completed
            {
                foreach (var sender in senders)
                {
                    sender.Tone.Read(pcm, CancellationToken.None);
                    int length = RtpHeader.FixedSize + sender.Encoder.Encode(pcm, packet.AsSpan(RtpHeader.FixedSize));
                    sender.Packetizer.WriteHeader(packet, options.FrameSamples);
                    rig.Session.OnDatagram(packet.AsSpan(0, length), sender.From);
                }
            }

            time.Advance(TimeSpan.FromSeconds(period / 48_000.0));
            receiver.Render(played); // the next device period, before the sender's frames of it
        }

        try
        {
            var warming = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 1500 || warming.ElapsedMilliseconds < 1000; i++)
            {
                Period(); // warm up: JIT and tiering (a second of wall time), senders admitted, the buffers' 2 s start and their way down
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 2000; i++)
            {
                Period();
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            IReadOnlyList<PeerStatistics> peers = receiver.GetPeerStatistics();
            output.WriteLine($"{codec}: {allocated} B over 2000 periods; {string.Join("; ", peers.Select(p => $"delay {p.PlayoutDelayMs:F1} ms, shortened {p.ShortenedMs:F1} ms, concealed {p.FramesConcealed}"))}");
            Assert.Equal(0, allocated);
            Assert.Equal(2, peers.Count);
            Assert.All(peers, p => Assert.True(p.ShortenedMs > 0, "the buffers stretched their way down: that path ran too"));
            Assert.All(peers, p => Assert.InRange(p.PlayoutDelayMs, 5.3, 10)); // a period, and next to nothing more: lock-step
            Assert.All(peers, p => Assert.Equal(0, p.FramesConcealed));
            Assert.True(SignalAnalysis.ToneAmplitude(played, 440) > 0.15 && SignalAnalysis.ToneAmplitude(played, 660) > 0.15, "the mix did not carry both tones");
        }
        finally
        {
            foreach (var sender in senders)
            {
                sender.Encoder.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(OpusLibrary.Managed, false)]
    [InlineData(OpusLibrary.Native, true)]
    public void Each_opus_implementation_is_what_it_says_and_decodes_the_other(OpusLibrary library, bool native)
    {
        AudioFormat format = AudioFormat.Mono48k;
        OpusLibrary other = library == OpusLibrary.Native ? OpusLibrary.Managed : OpusLibrary.Native;
        using var encoder = (OpusAudioEncoder)AudioCodecFactory.CreateEncoder(format, new CodecOptions { OpusLibrary = library });
        using var decoder = (OpusAudioDecoder)AudioCodecFactory.CreateDecoder(AudioCodec.Opus, format, other);
        Assert.Equal(native, encoder.IsNative);
        Assert.Equal(!native, decoder.IsNative);

        var tone = new ToneSource(1000, format);
        var pcm = new float[480];
        var packet = new byte[1500];
        var output = new float[480];
        for (int i = 0; i < 50; i++)
        {
            tone.Read(pcm, CancellationToken.None);
            int length = encoder.Encode(pcm, packet);
            Assert.Equal(480, decoder.Decode(packet.AsSpan(0, length), output));
        }

        Assert.InRange(SignalAnalysis.ToneAmplitude(output, 1000), 0.2, 0.3); // sent at 0.25
    }
}
