using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;
using InterCom.Core.Rtp;

namespace InterCom.Core.Tests;

/// <summary>
/// Opus in-band FEC end to end without a clock: a speech-like signal encoded with and without FEC,
/// about 10 % of the packets dropped (seeded, isolated), the rest through a jitter buffer that reads
/// one packet behind, as a playout point does.
/// </summary>
public sealed class FecTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Frames = 2000;

    [Theory]
    [InlineData(OpusLibrary.Native)]
    [InlineData(OpusLibrary.Managed)] // Concentus's own decoder (its FEC path has an open upstream bug at mode switches)
    public void With_fec_on_lost_frames_are_rebuilt_and_fewer_are_concealed_than_with_fec_off(OpusLibrary library)
    {
        (long concealedWithout, long recoveredWithout, long lost) = Run(library, fec: false);
        (long concealedWith, long recoveredWith, long lostAgain) = Run(library, fec: true);

        output.WriteLine($"{library}: {lost} lost; FEC off: {concealedWithout} concealed; FEC on: {recoveredWith} rebuilt, {concealedWith} concealed");
        Assert.Equal(lost, lostAgain); // the same packets dropped both times
        Assert.InRange(lost, 150, 250);
        Assert.Equal(0, recoveredWithout);       // no redundancy in the packets: nothing is "recovered"
        Assert.Equal(lost, concealedWithout);
        Assert.True(recoveredWith > lost / 4, $"{recoveredWith} of {lost} lost frames rebuilt from FEC");
        Assert.Equal(lost, concealedWith + recoveredWith);
        Assert.True(concealedWith < concealedWithout, $"concealed {concealedWith} with FEC, {concealedWithout} without");
    }

    [Fact]
    public void The_lbrr_flag_is_read_from_packets_that_have_it_and_never_from_celt_packets()
    {
        AudioFormat format = AudioFormat.Mono48k;
        int withLbrr = 0, celt = 0;
        foreach (bool fec in new[] { false, true })
        {
            using var encoder = (OpusAudioEncoder)AudioCodecFactory.CreateEncoder(format, new CodecOptions { OpusLibrary = OpusLibrary.Native });
            encoder.Tune(32_000, fec, fec ? 10 : 0);
            var speech = new SpeechLikeSource();
            var pcm = new float[480];
            var packet = new byte[1500];
            for (int i = 0; i < 500; i++)
            {
                speech.Read(pcm);
                int length = encoder.Encode(pcm, packet);
                bool lbrr = OpusRedundancy.HasLbrr(packet.AsSpan(0, length));
                Assert.False(lbrr && !fec, "an LBRR flag read from a packet encoded without FEC");
                withLbrr += lbrr ? 1 : 0;
                celt += packet[0] >> 3 >= 16 && lbrr ? 1 : 0;
            }
        }

        Assert.True(withLbrr > 100, $"{withLbrr} of 500 packets with FEC carried LBRR");
        Assert.Equal(0, celt);
        Assert.False(OpusRedundancy.HasLbrr([]));
        Assert.False(OpusRedundancy.HasLbrr([0x0B])); // a TOC byte alone
    }

    private static (long Concealed, long Recovered, long Lost) Run(OpusLibrary library, bool fec)
    {
        AudioFormat format = AudioFormat.Mono48k;
        var options = new CodecOptions { OpusLibrary = library };
        using var encoder = (OpusAudioEncoder)AudioCodecFactory.CreateEncoder(format, options);
        encoder.Tune(32_000, fec, fec ? 10 : 0);
        var packetizer = new RtpPacketizer(111);
        using var buffer = new JitterBuffer(packetizer.Ssrc, AudioCodecFactory.CreateDecoder(AudioCodec.Opus, format, library), new JitterBufferOptions { TargetDelay = TimeSpan.Zero, Adaptive = false, TimeStretching = false }, 480); // frame for frame: every lost frame counted once
        var speech = new SpeechLikeSource();
        var drops = new Random(10);
        var pcm = new float[480];
        var output = new float[480];
        var packets = new (byte[] Data, RtpHeader Header)?[Frames];
        for (int i = 0; i < Frames; i++)
        {
            speech.Read(pcm);
            var data = new byte[RtpHeader.FixedSize + 1500];
            int length = encoder.Encode(pcm, data.AsSpan(RtpHeader.FixedSize));
            packetizer.WriteHeader(data, 480);
            Assert.True(RtpHeader.TryParse(data.AsSpan(0, RtpHeader.FixedSize + length), out RtpHeader header, out _, out _));
            // Isolated losses (never two in a row, never the first or last), so that the packet after a
            // lost one is there to carry its FEC, and every lost frame is either rebuilt or concealed once.
            bool dropped = drops.NextDouble() < 0.10 && i > 0 && i < Frames - 1 && packets[i - 1] is not null;
            packets[i] = dropped ? null : (data[RtpHeader.FixedSize..(RtpHeader.FixedSize + length)], header);
        }

        long lost = packets.Count(p => p is null);
        Insert(buffer, packets[0]!.Value, 0);
        for (int i = 0; i < Frames - 1; i++)
        {
            if (packets[i + 1] is { } next)
            {
                Insert(buffer, next, i + 1); // one packet ahead of the frame being played
            }

            buffer.Read(output);
        }

        var stats = buffer.GetStatistics();
        return (stats.FramesConcealed, stats.FramesRecovered, lost);
    }

    private static void Insert(JitterBuffer buffer, (byte[] Data, RtpHeader Header) packet, int index)
        => Assert.True(buffer.Insert(packet.Header, packet.Data, index * 480L));

    /// <summary>Voiced, syllable-like sound: harmonics of a gliding 110 Hz pitch under three formants, 2.5 syllables a second.</summary>
    private sealed class SpeechLikeSource
    {
        private long _sample;

        public void Read(Span<float> frame)
        {
            for (int k = 0; k < frame.Length; k++, _sample++)
            {
                double t = _sample / 48_000.0;
                double phase = (110 * t) - (30 / (2 * Math.PI * 1.3) * Math.Cos(2 * Math.PI * 1.3 * t)); // pitch 110 ± 30 Hz
                double f0 = 110 + (30 * Math.Sin(2 * Math.PI * 1.3 * t));
                double envelope = Math.Max(0, Math.Sin(2 * Math.PI * 2.5 * t));
                double value = 0;
                for (int h = 1; h < 30; h++)
                {
                    double f = h * f0;
                    double gain = Math.Exp(-Math.Pow((f - 700) / 300, 2)) + (0.6 * Math.Exp(-Math.Pow((f - 1200) / 400, 2))) + (0.3 * Math.Exp(-Math.Pow((f - 2500) / 600, 2)));
                    value += gain * Math.Sin(2 * Math.PI * h * phase);
                }

                frame[k] = (float)(0.1 * envelope * value);
            }
        }
    }
}
