using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;
using InterCom.Core.Rtp;
using InterCom.Core.Speech;
using InterCom.Core.Testing;

namespace InterCom.Core.Tests;

/// <summary>
/// Discontinuous transmission: the voice activity detector, RFC 3389 comfort noise (the sender's analysis,
/// the payload, the receiver's noise), the jitter buffer between talkspurts, and a real call whose silent
/// end sends next to nothing while the other end hears its room.
/// </summary>
public sealed class DtxTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Frame = 480;

    [Fact]
    public void The_detector_sends_speech_and_its_word_endings_and_stops_sending_a_steady_background()
    {
        var detector = new VoiceActivityDetector(TimeSpan.FromMilliseconds(10));
        float[] noise = Noise(10, -60, seed: 1);
        float[] speech = SpeechSource.Generate(10, seed: 2);
        int noiseSent = 0, speechSent = 0, speechFrames = 0, speechFramesSent = 0;
        for (int i = 0; i + Frame <= noise.Length; i += Frame)
        {
            noiseSent += i >= 48_000 && detector.Next(noise.AsSpan(i, Frame)) ? 1 : 0; // after a second to learn the floor
            if (i < 48_000)
            {
                _ = detector.Next(noise.AsSpan(i, Frame));
            }
        }

        for (int i = 0; i + Frame <= speech.Length; i += Frame)
        {
            float[] frame = speech.AsSpan(i, Frame).ToArray();
            for (int n = 0; n < Frame; n++)
            {
                frame[n] += noise[i + n]; // the same room
            }

            bool sounding = SignalAnalysis.Rms(speech.AsSpan(i, Frame)) > 0.01;
            bool sent = detector.Next(frame);
            speechFrames += sounding ? 1 : 0;
            speechFramesSent += sounding && sent ? 1 : 0;
            speechSent += sent ? 1 : 0;
        }

        int frames = noise.Length / Frame;
        output.WriteLine($"noise: {noiseSent} of {frames - 100} frames sent; speech: {speechSent} of {frames} sent, {speechFramesSent} of its {speechFrames} sounding frames; floor {detector.FloorDb:F1} dBFS");
        Assert.True(noiseSent <= 20, $"{noiseSent} frames of a steady −60 dBFS background sent (at most the first hangover)");
        Assert.Equal(speechFrames, speechFramesSent); // no sounding frame is cut
        Assert.InRange(detector.FloorDb, -64, -56);
    }

    [Fact]
    public void The_detector_never_takes_a_sustained_tone_for_background_and_always_takes_digital_silence_for_it()
    {
        var detector = new VoiceActivityDetector(TimeSpan.FromMilliseconds(10));
        var tone = new float[Frame];
        int toneSent = 0;
        for (int i = 0; i < 6_000; i++) // a minute
        {
            for (int n = 0; n < Frame; n++)
            {
                tone[n] = 0.1f * MathF.Sin(2 * MathF.PI * 440 * ((i * Frame) + n) / 48_000f);
            }

            toneSent += detector.Next(tone) ? 1 : 0;
        }

        var silence = new float[Frame];
        int silenceSent = 0;
        for (int i = 0; i < 100; i++)
        {
            silenceSent += detector.Next(silence) ? 1 : 0;
        }

        Assert.Equal(6_000, toneSent);
        Assert.Equal(20, silenceSent); // the hangover only (200 ms)
    }

    [Theory]
    [InlineData(-60, false)]
    [InlineData(-40, false)]
    [InlineData(-50, true)]
    public void Comfort_noise_made_from_a_background_has_its_level_and_its_spectral_tilt(int levelDb, bool lowPassed)
    {
        float[] background = Noise(2, levelDb, seed: 3, lowPassed);
        var analyzer = new ComfortNoiseAnalyzer(channels: 1);
        for (int i = 0; i + Frame <= background.Length; i += Frame)
        {
            analyzer.Add(background.AsSpan(i, Frame));
        }

        var payload = new byte[ComfortNoisePayload.Length];
        Assert.Equal(ComfortNoisePayload.Length, analyzer.Write(payload));
        Assert.Equal(-levelDb, payload[0], 1.0);
        Assert.True(ComfortNoisePayload.IsValid(payload));

        var generator = new ComfortNoiseGenerator();
        generator.Set(payload);
        var played = new float[48_000];
        generator.Generate(played, channels: 1);
        double playedDb = 20 * Math.Log10(SignalAnalysis.Rms(played.AsSpan(4_800)));
        double tiltBackground = SignalAnalysis.Correlation(background, background, 1);
        double tiltPlayed = SignalAnalysis.Correlation(played, played, 1);
        output.WriteLine($"background {levelDb} dBFS, lag-1 correlation {tiltBackground:F2}; comfort noise {playedDb:F1} dBFS, {tiltPlayed:F2}");
        Assert.InRange(playedDb, levelDb - 1.5, levelDb + 1.5);
        Assert.InRange(tiltPlayed, tiltBackground - 0.1, tiltBackground + 0.1);
        Assert.DoesNotContain(0f, played.AsSpan(4_800).ToArray());
    }

    [Fact]
    public void Comfort_noise_of_digital_silence_is_played_at_the_floor_not_as_zeros()
    {
        var analyzer = new ComfortNoiseAnalyzer(channels: 1);
        analyzer.Add(new float[Frame]);
        var payload = new byte[ComfortNoisePayload.Length];
        analyzer.Write(payload);
        Assert.Equal(ComfortNoisePayload.SilentLevel, payload[0]);

        var generator = new ComfortNoiseGenerator();
        generator.Set(payload);
        var played = new float[4_800];
        generator.Generate(played, channels: 1);
        Assert.InRange(20 * Math.Log10(SignalAnalysis.Rms(played)), -ComfortNoiseGenerator.FloorLevel - 1.0, -ComfortNoiseGenerator.FloorLevel + 1.0);
    }

    [Fact]
    public void A_comfort_noise_packet_carries_no_marker_and_the_talkspurt_after_it_does()
    {
        var packetizer = new RtpPacketizer(111);
        var packet = new byte[12];
        ushort firstSeq = packetizer.NextSequenceNumber;
        uint firstTs = packetizer.NextTimestamp;
        packetizer.WriteHeader(packet, Frame);
        packetizer.WriteComfortNoiseHeader(packet, 98, Frame);
        Assert.True(RtpHeader.TryParse(packet, out RtpHeader noise, out _, out _));
        packetizer.Skip(Frame * 39);
        packetizer.WriteHeader(packet, Frame);
        Assert.True(RtpHeader.TryParse(packet, out RtpHeader speech, out _, out _));

        Assert.Equal((98, false, (ushort)(firstSeq + 1), firstTs + Frame), (noise.PayloadType, noise.Marker, noise.SequenceNumber, noise.Timestamp));
        Assert.Equal((111, true, (ushort)(firstSeq + 2), firstTs + (41 * Frame)), (speech.PayloadType, speech.Marker, speech.SequenceNumber, speech.Timestamp));
    }

    [Fact]
    public void Between_talkspurts_the_buffer_plays_the_senders_comfort_noise_without_concealing_or_counting_loss()
    {
        var buffer = new JitterBuffer(
            42, AudioCodecFactory.CreateDecoder(AudioCodec.Pcm, AudioFormat.Mono48k),
            new JitterBufferOptions { TargetDelay = TimeSpan.FromMilliseconds(10), Adaptive = false, TimeStretching = false }, Frame)
        {
            ComfortNoisePayloadType = 98,
        };
        ushort seq = 100;
        uint ts = 0;
        var frame = new float[Frame];
        for (int i = 0; i < 20; i++)
        {
            Assert.True(buffer.Insert(new RtpHeader(96, seq++, ts, 7, i == 0), Pcm(0.25f), i * Frame));
            ts += Frame;
            buffer.Read(frame);
        }

        byte[] noise = [50, 127, 127, 127, 127, 127, 127]; // −50 dBov, white
        Assert.True(buffer.Insert(new RtpHeader(98, seq++, ts, 7, false), noise, 20 * Frame));
        Assert.False(buffer.Insert(new RtpHeader(98, seq, ts, 7, false), [0x80], 21 * Frame)); // the reserved bit set: malformed
        var heard = new List<float>();
        for (int i = 0; i < 50; i++)
        {
            buffer.Read(frame);
            heard.AddRange(frame);
        }

        ts += 50 * Frame;
        Assert.True(buffer.Insert(new RtpHeader(96, seq, ts, 7, true), Pcm(0.5f), 70 * Frame)); // the next talkspurt
        for (int i = 0; i < 3 && Math.Abs(frame[Frame / 2] - 0.5f) > 0.001f; i++)
        {
            buffer.Read(frame); // comfort noise while the talkspurt's delay builds up, then the talkspurt
        }

        Diagnostics.PeerStatistics stats = buffer.GetStatistics();
        float[] silence = [.. heard.Skip(5 * Frame)];
        Assert.InRange(20 * Math.Log10(SignalAnalysis.Rms(silence)), -52, -48);
        Assert.Equal(0, stats.FramesConcealed);
        Assert.Equal(0, stats.PacketsLost);
        Assert.InRange(stats.ComfortNoiseMs, 490, 530);
        Assert.Equal(0.5f, frame[Frame / 2], 0.001f); // speech again
    }

    /// <summary>White (or low-passed) noise of <paramref name="levelDb"/> dBFS RMS.</summary>
    internal static float[] Noise(double seconds, double levelDb, int seed, bool lowPassed = false)
    {
        var random = new Random(seed);
        var noise = new float[(int)(seconds * 48_000)];
        double state = 0;
        for (int i = 0; i < noise.Length; i++)
        {
            double white = random.NextDouble() - 0.5;
            state = lowPassed ? (0.9 * state) + white : white;
            noise[i] = (float)state;
        }

        double scale = Math.Pow(10, levelDb / 20) / SignalAnalysis.Rms(noise);
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = (float)(noise[i] * scale);
        }

        return noise;
    }

    private static byte[] Pcm(float value)
    {
        var payload = new byte[Frame * 2];
        for (int i = 0; i < Frame; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(payload.AsSpan(2 * i), PcmConversion.ToInt16(value));
        }

        return payload;
    }
}

/// <summary>A real call on loopback whose silent end sends next to nothing while the other end hears its room.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class DtxCallTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_silent_end_with_dtx_sends_under_a_tenth_of_the_packets_of_a_speaking_one_and_is_heard_as_its_room()
    {
        var codec = new CodecOptions { DiscontinuousTransmission = true };
        var duration = TimeSpan.FromSeconds(8);
        RobustnessResult speaking = await RobustnessRun.RunAsync(new NetworkImpairment(), new JitterBufferOptions(), duration, source: () => new SpeechSource(AudioFormat.Mono48k, seed: 4), codec: codec);
        RobustnessResult silent = await RobustnessRun.RunAsync(new NetworkImpairment(), new JitterBufferOptions(), duration, source: () => new LoopSource(DtxTests.Noise(8, -60, seed: 5)), codec: codec);

        float[] heard = silent.Heard[(3 * 48_000)..]; // after the start's hangover and the settling
        double heardDb = 20 * Math.Log10(SignalAnalysis.Rms(heard));
        int zeros = heard.Count(s => s == 0);
        output.WriteLine($"speaking: {speaking.Sender.PacketsSent} packets, {speaking.Sender.FramesSuppressed} frames suppressed; silent: {silent.Sender.PacketsSent} packets, {silent.Sender.FramesSuppressed} suppressed; heard {heardDb:F1} dBFS, {zeros} zero samples, comfort noise {silent.Peer.ComfortNoiseMs:F0} ms, concealed {silent.Peer.FramesConcealed}");

        Assert.True(silent.Sender.PacketsSent < 0.1 * speaking.Sender.PacketsSent, $"silent {silent.Sender.PacketsSent} packets, speaking {speaking.Sender.PacketsSent}");
        Assert.True(speaking.Sender.PacketsSent > 600, $"{speaking.Sender.PacketsSent} packets while speaking for 8 s");
        Assert.True(silent.Sender.FramesSuppressed > 700, $"{silent.Sender.FramesSuppressed} frames suppressed");
        Assert.InRange(heardDb, -64, -56); // the room's −60 dBFS, not a dead line
        Assert.True(zeros < heard.Length / 1000, $"{zeros} of {heard.Length} samples are zeros");
        Assert.True(silent.Peer.ComfortNoiseMs > 6_000, $"comfort noise {silent.Peer.ComfortNoiseMs} ms");
        Assert.Equal(0, silent.Peer.PacketsLost);
    }

    /// <summary>A recording played over and over, paced by the call.</summary>
    private sealed class LoopSource(float[] samples) : IAudioSource
    {
        private int _at;

        public AudioFormat Format => AudioFormat.Mono48k;

        public bool IsRealTime => false;

        public int Read(Span<float> destination, CancellationToken cancellationToken)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = samples[_at];
                _at = (_at + 1) % samples.Length;
            }

            return destination.Length;
        }

        public void Dispose()
        {
        }
    }
}
