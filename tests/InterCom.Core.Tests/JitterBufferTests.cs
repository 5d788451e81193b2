using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Diagnostics;
using InterCom.Core.Jitter;
using InterCom.Core.Rtp;

namespace InterCom.Core.Tests;

/// <summary>
/// The jitter buffer driven frame by frame with L16 packets whose every sample holds the packet's
/// number, so each played frame says which packet it came from (0 = silence or concealment).
/// </summary>
public sealed class JitterBufferTests
{
    private const int Frame = 480; // 10 ms
    private const ushort FirstSeq = 65530; // wraps during every test

    private static JitterBuffer Create(int targetMs = 10)
    {
        var format = AudioFormat.Mono48k;
        return new JitterBuffer(
            42, AudioCodecFactory.CreateDecoder(AudioCodec.Pcm, format),
            new JitterBufferOptions { TargetDelay = TimeSpan.FromMilliseconds(targetMs), Adaptive = false, TimeStretching = false }, // whole frames, in order: the packet numbers stay readable
            Frame);
    }

    /// <summary>Packet <paramref name="n"/> (1-based) of the stream: every sample = n/1000.</summary>
    private static void Insert(JitterBuffer buffer, int n)
    {
        var header = new RtpHeader(96, (ushort)(FirstSeq + n - 1), (uint)(n * Frame), 7, n == 1);
        Assert.True(buffer.Insert(header, Payload(n / 1000f), n * Frame));
    }

    /// <summary>An L16 frame whose every sample is <paramref name="value"/>.</summary>
    private static byte[] Payload(float value)
    {
        var payload = new byte[Frame * 2];
        short sample = PcmConversion.ToInt16(value);
        for (int i = 0; i < Frame; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(payload.AsSpan(2 * i), sample);
        }

        return payload;
    }

    /// <summary>Plays one frame; returns the packet number it came from, 0 for silence, -1 for concealment.</summary>
    private static int Play(JitterBuffer buffer)
    {
        var frame = new float[Frame];
        buffer.Read(frame);
        int n = (int)Math.Round(frame[Frame / 2] * 1000);
        if (n == 0 && frame[0] != 0)
        {
            return -1; // PCM concealment: a fade from the last sample, silent by mid-frame
        }

        Assert.All(frame, s => Assert.Equal(n / 1000f, s, 0.0001f)); // a whole, unmixed frame
        return n;
    }

    [Fact]
    public void Waits_out_the_target_delay_then_plays_in_order()
    {
        using var buffer = Create(targetMs: 20);
        Insert(buffer, 1);
        Assert.Equal(0, Play(buffer)); // 0 ms waited
        Insert(buffer, 2);
        Assert.Equal(0, Play(buffer)); // 10 ms waited
        Assert.Equal(1, Play(buffer)); // 20 ms waited: playing
        Insert(buffer, 3);
        Assert.Equal(2, Play(buffer));
        Assert.Equal(3, Play(buffer));
    }

    [Fact]
    public void Reorders_packets_that_arrive_out_of_order()
    {
        using var buffer = Create();
        foreach (int n in new[] { 2, 1, 4, 3, 6, 5 })
        {
            Insert(buffer, n);
        }

        int[] played = [.. Enumerable.Range(0, 7).Select(_ => Play(buffer))];
        Assert.Equal([1, 2, 3, 4, 5, 6], played[1..]);
        var stats = buffer.GetStatistics();
        Assert.Equal(6, stats.PacketsReceived);
        Assert.Equal(0, stats.PacketsLost);
        Assert.Equal(0, stats.PacketsLate);
        Assert.Equal(0, stats.FramesConcealed);
    }

    [Fact]
    public void Ignores_and_counts_duplicates()
    {
        using var buffer = Create();
        Insert(buffer, 1);
        Insert(buffer, 1);
        Insert(buffer, 2);
        Play(buffer);
        Assert.Equal(1, Play(buffer));
        Insert(buffer, 1); // a copy of a packet already played: a duplicate, not a late packet
        Insert(buffer, 2);
        Assert.Equal(2, Play(buffer));

        var stats = buffer.GetStatistics();
        Assert.Equal(2, stats.PacketsReceived);
        Assert.Equal(3, stats.PacketsDuplicate);
        Assert.Equal(0, stats.PacketsLate);
    }

    [Fact]
    public void Conceals_a_lost_packet_and_counts_it()
    {
        using var buffer = Create();
        Insert(buffer, 1);
        Insert(buffer, 2);
        Insert(buffer, 4);
        Insert(buffer, 5);
        Play(buffer);
        Assert.Equal(1, Play(buffer));
        Assert.Equal(2, Play(buffer));
        Assert.Equal(-1, Play(buffer)); // 3 never came
        Assert.Equal(4, Play(buffer));
        Assert.Equal(5, Play(buffer));

        var stats = buffer.GetStatistics();
        Assert.Equal(4, stats.PacketsReceived);
        Assert.Equal(1, stats.PacketsLost);
        Assert.Equal(1, stats.FramesConcealed);
        Assert.Equal(0, stats.PacketsLate);
    }

    [Fact]
    public void Drops_and_counts_a_packet_that_comes_after_its_playout_time()
    {
        using var buffer = Create();
        Insert(buffer, 1);
        Insert(buffer, 2);
        Insert(buffer, 4);
        Play(buffer);
        Play(buffer);
        Play(buffer);
        Assert.Equal(-1, Play(buffer)); // 3 concealed
        Insert(buffer, 3);              // ... then it arrives: too late
        Assert.Equal(4, Play(buffer));

        var stats = buffer.GetStatistics();
        Assert.Equal(4, stats.PacketsReceived);
        Assert.Equal(1, stats.PacketsLate);
        Assert.Equal(0, stats.PacketsLost); // it did arrive
        Assert.Equal(1, stats.FramesConcealed);
    }

    [Fact]
    public void After_a_stall_the_packets_whose_frames_were_concealed_are_dropped_when_the_burst_covers_the_target()
    {
        using var buffer = Create(); // a fixed 10 ms beyond each read
        Insert(buffer, 1);
        Play(buffer);
        Assert.Equal(1, Play(buffer));
        for (int i = 0; i < 5; i++)
        {
            Assert.NotEqual(1, Play(buffer)); // 50 ms of stall: concealed while waiting for 2
        }

        for (int n = 2; n <= 8; n++)
        {
            Insert(buffer, n); // the burst: all that the stall held back, at once
        }

        // 2-6 came after their frames were concealed, and 7 and 8 cover the target without them: dropped,
        // so the stall costs its concealment and leaves no 50 ms of added delay behind.
        Assert.Equal(7, Play(buffer));
        Assert.Equal(8, Play(buffer));
        var stats = buffer.GetStatistics();
        Assert.Equal(5, stats.PacketsLate);
        Assert.Equal(0, stats.PacketsLost);
        Assert.Equal(5, stats.FramesConcealed);
    }

    [Fact]
    public void A_packet_delayed_past_an_empty_buffer_is_played_late_not_dropped()
    {
        using var buffer = Create();
        Insert(buffer, 1);
        Play(buffer);
        Assert.Equal(1, Play(buffer));
        Assert.Equal(-1, Play(buffer)); // nothing buffered: conceal while waiting for 2
        Insert(buffer, 2);              // 2 was only late (a stall on the way)
        Insert(buffer, 3);
        Assert.Equal(2, Play(buffer));
        Assert.Equal(3, Play(buffer));

        var stats = buffer.GetStatistics();
        Assert.Equal(0, stats.PacketsLate);
        Assert.Equal(0, stats.PacketsLost);
        Assert.Equal(1, stats.FramesConcealed);
    }

    [Fact]
    public void Conceals_for_200_ms_then_goes_silent_when_the_sender_stops_and_restarts_on_the_next_talkspurt()
    {
        using var buffer = Create(targetMs: 10);
        Insert(buffer, 1);
        Play(buffer);
        Assert.Equal(1, Play(buffer));
        Assert.Equal(-1, Play(buffer)); // concealment: a fade from the last sample
        for (int i = 1; i < JitterBufferOptions.DefaultMaxConcealedRun; i++)
        {
            Play(buffer);
        }

        Assert.Equal(20, buffer.GetStatistics().FramesConcealed); // MaxConcealedRun = 20 (200 ms of 10 ms frames: a stall is concealed) ...
        Assert.Equal(0, Play(buffer));                             // ... then silence
        Assert.Equal(0, Play(buffer));
        Assert.Equal(20, buffer.GetStatistics().FramesConcealed);

        Insert(buffer, 40); // a new talkspurt
        Assert.Equal(0, Play(buffer));
        Assert.Equal(40, Play(buffer));
        Assert.Equal(20, buffer.GetStatistics().FramesConcealed);
    }

    [Fact]
    public void Discards_old_audio_when_the_queue_stays_far_above_the_target()
    {
        using var buffer = Create(targetMs: 10);
        int next = 1;
        for (; next <= 30; next++)
        {
            Insert(buffer, next); // a burst after a stall: 300 ms queued against a 10 ms target
        }

        var played = new List<int>();
        for (int i = 0; i < 120; i++)
        {
            Insert(buffer, next++); // from here one packet per frame: the excess would stay forever
            played.Add(Play(buffer));
        }

        var stats = buffer.GetStatistics();
        Assert.InRange(stats.FramesDiscarded, 20, 30);
        Assert.InRange(stats.PlayoutDelayMs, 0, 10 + 30 + 10); // target + 3 frames, + one frame of smoothing
        Assert.DoesNotContain(-1, played); // discarding never leaves a hole to conceal
        Assert.Equal(0, stats.FramesConcealed);
        Assert.Equal(played.Where(n => n > 0), played.Where(n => n > 0).Order()); // still in order
    }

    [Fact]
    public void Packets_handed_over_by_the_receive_thread_while_another_thread_plays_are_all_played_whole_and_in_order()
    {
        using var buffer = Create(targetMs: 0);
        const int packets = 20_000;
        int inserted = 0, played = 0, refused = 0;
        var receive = new Thread(() =>
        {
            for (int n = 1; n <= packets; n++)
            {
                while (n - Volatile.Read(ref played) > 8)
                {
                    Thread.Yield(); // at most 80 ms ahead: far (200 ms) above its target the buffer would discard
                }

                var header = new RtpHeader(96, (ushort)(FirstSeq + n - 1), (uint)(n * Frame), 7, n == 1);
                if (!buffer.Insert(header, Payload(Marker(n)), n * Frame))
                {
                    Interlocked.Increment(ref refused);
                }

                Volatile.Write(ref inserted, n);
            }
        });
        receive.Start();
        var frame = new float[Frame];
        var wrong = new List<string>();
        for (int n = 1; n <= packets; n++)
        {
            while (Volatile.Read(ref inserted) < Math.Min(packets, n + 2))
            {
                Thread.Yield(); // the packet has been handed over: a read must find it, whatever the other thread is doing
            }

            buffer.Read(frame);
            Volatile.Write(ref played, n);
            if (frame.Any(s => Math.Abs(s - Marker(n)) > 0.0001f) && wrong.Count < 5)
            {
                wrong.Add($"frame {n}: {frame[0]}..{frame[^1]}, expected {Marker(n)}");
            }
        }

        receive.Join();
        PeerStatistics stats = buffer.GetStatistics();
        Assert.Empty(wrong);
        Assert.Equal(0, refused);
        Assert.Equal(packets, stats.PacketsReceived);
        Assert.Equal(0, stats.PacketsLate);
        Assert.Equal(0, stats.FramesConcealed);
        Assert.Equal(0, stats.FramesDiscarded);
        Assert.Equal(packets, stats.FramesPlayed);

        static float Marker(int n) => ((n % 500) + 1) / 1000f; // a value exact in 16 bits, different from its neighbours'
    }

    [Fact]
    public void Rejects_a_payload_the_codec_cannot_decode()
    {
        using var buffer = Create();
        var header = new RtpHeader(96, 1, 0, 7, false);
        Assert.False(buffer.Insert(header, new byte[3], 0)); // odd length: not L16
        Assert.False(buffer.Insert(header, [], 0));
        Assert.Equal(0, buffer.GetStatistics().PacketsReceived);
    }
}
