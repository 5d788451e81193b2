using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;
using InterCom.Core.Rtp;
using Microsoft.Extensions.Time.Testing;

namespace InterCom.Core.Tests;

/// <summary>The jitter buffer's parts, each alone: reception statistics, packet slots, the delay, decoded audio.</summary>
public sealed class JitterBufferPartsTests
{
    [Fact]
    public void Reception_statistics_tell_duplicates_from_new_packets_and_extend_sequence_numbers_across_a_wrap()
    {
        var statistics = new ReceptionStatistics(new FakeTimeProvider());
        Assert.True(statistics.TryRecord(new RtpHeader(96, 65535, 0, 1, false), 10, 0, out long first));
        Assert.True(statistics.TryRecord(new RtpHeader(96, 0, 480, 1, false), 10, 480, out long second));
        Assert.False(statistics.TryRecord(new RtpHeader(96, 0, 480, 1, false), 10, 480, out _)); // a copy
        Assert.True(statistics.TryRecord(new RtpHeader(96, 2, 1440, 1, false), 10, 1440, out _)); // 1 is missing
        Assert.Equal(first + 1, second);
        ReceptionStatistics.Snapshot s = statistics.Take();
        Assert.Equal(3, s.Received);
        Assert.Equal(30, s.Bytes);
        Assert.Equal(1, s.Duplicate);
        Assert.Equal(1, s.Lost);
        Assert.Equal(0, s.Jitter); // every packet on time to the sample
        RtcpReportBlock block = statistics.TakeReportBlock(7, 0);
        Assert.Equal(7u, block.Ssrc);
        Assert.Equal(65535u + 3, block.ExtendedHighestSequence); // one wrap, then 2
        Assert.Equal(256 / 4, block.FractionLost); // 1 of 4
    }

    [Fact]
    public void Reception_statistics_measure_interarrival_jitter_as_rfc_3550_does()
    {
        var statistics = new ReceptionStatistics(new FakeTimeProvider());
        statistics.TryRecord(new RtpHeader(96, 0, 0, 1, false), 10, 0, out _);
        statistics.TryRecord(new RtpHeader(96, 1, 480, 1, false), 10, 480 + 160, out _); // 160 late against the first
        Assert.Equal(10.0, statistics.Take().Jitter); // J += (|D| − J)/16
    }

    [Fact]
    public void Packet_slots_place_by_sequence_swap_buffers_and_remove()
    {
        var slots = new PacketSlots(16);
        var mailbox = new PacketMailbox(4, 16);
        Assert.True(mailbox.TryWrite(1000, 480, 5, [1, 2, 3]));
        PacketMailbox.Entry entry = mailbox.Peek()!;
        byte[] before = entry.Data;
        slots.Place(entry);
        Assert.True(slots.Holds(1000));
        Assert.False(slots.Holds(1000 + PacketSlots.Capacity)); // the same slot, another packet
        Assert.Same(before, slots[1000].Data);
        Assert.NotSame(before, entry.Data); // swapped, not copied
        Assert.Equal([1, 2, 3], slots[1000].Payload.ToArray());
        Assert.Equal(5, slots[1000].Arrival);
        Assert.False(slots[1000].Measured);
        slots.MarkMeasured(1000, 1000);
        Assert.True(slots[1000].Measured);
        Assert.True(slots.Remove(1000));
        Assert.False(slots.Remove(1000));
    }

    [Fact]
    public void A_fixed_delay_holds_its_target_and_measures_the_excess_over_it()
    {
        var delay = new PlayoutDelay(new JitterBufferOptions { Adaptive = false, TargetDelay = TimeSpan.FromMilliseconds(20) }, AudioFormat.Mono48k);
        Assert.Equal(960, delay.Target);
        delay.Begin(queued: 2400, samples: 480); // slack 1920: 960 above the target
        delay.Update(queued: 2400, samples: 480);
        Assert.Equal(960, delay.Excess, precision: 6);
        delay.Shift(-480); // a stretch took 10 ms off
        Assert.Equal(480, delay.Excess, precision: 6);
        Assert.Equal(960, delay.Target);
        Assert.False(delay.Estimating);
    }

    [Fact]
    public void Decoded_audio_plays_out_what_was_decoded_and_conceals_what_does_not_decode()
    {
        using var audio = new DecodedAudio(AudioCodecFactory.CreateDecoder(AudioCodec.Pcm, AudioFormat.Mono48k));
        var payload = new byte[960]; // 480 L16 samples
        payload[0] = 0x40; // the first sample 0.5
        Assert.Equal(480, audio.Decode(payload, 480));
        Assert.False(audio.IsConcealment);
        var out1 = new float[300];
        Assert.Equal(300, audio.PlayInto(out1));
        Assert.Equal(0.5f, out1[0], precision: 3);
        Assert.Equal(180, audio.Frames);
        var out2 = new float[300];
        Assert.Equal(180, audio.PlayInto(out2));
        Assert.Equal(0, audio.Count);

        Assert.Equal(0, audio.Decode(new byte[3], 480)); // an odd L16 payload does not decode: concealed in its place
        Assert.True(audio.IsConcealment);
        Assert.Equal(480, audio.Frames);
    }
}
