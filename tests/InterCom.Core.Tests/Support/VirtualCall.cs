using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Diagnostics;
using InterCom.Core.Jitter;
using InterCom.Core.Rtp;
using Microsoft.Extensions.Time.Testing;

namespace InterCom.Core.Tests;

/// <summary>
/// One direction of a call on virtual time: a tone through the real encoder and packetizer, a
/// network that delays each packet as told (and may drop it), and the real jitter buffer and decoder
/// played by a receiver whose clock runs <c>ppm</c> fast or slow. Time is a <see cref="FakeTimeProvider"/>
/// that the jitter buffer stamps arrivals from, advanced event by event, so an hour plays in seconds.
/// </summary>
internal sealed class VirtualCall : IDisposable
{
    public const double ToneHz = 400; // a period of exactly 120 samples: stretching by whole periods is seamless

    private readonly AudioFormat _format = AudioFormat.Mono48k;
    private readonly FakeTimeProvider _time = new();
    private readonly IAudioEncoder _encoder;
    private readonly RtpPacketizer _packetizer;
    private readonly JitterBuffer _buffer;
    private readonly IAudioSource _source;
    private readonly int _frame;
    private readonly PriorityQueue<int, long> _inFlight = new(64); // packet slot, arrival tick
    private readonly byte[][] _packets = new byte[64][];
    private readonly int[] _lengths = new int[64];
    private readonly DateTimeOffset _start;

    public VirtualCall(AudioCodec codec, JitterBufferOptions options, int frameSamples = 480, OpusApplicationMode application = OpusApplicationMode.Voip, IAudioSource? source = null)
    {
        var codecOptions = new CodecOptions { Codec = codec, OpusLibrary = OpusLibrary.Native, FrameDuration = TimeSpan.FromSeconds(frameSamples / 48_000.0), Application = application };
        _frame = frameSamples;
        _encoder = AudioCodecFactory.CreateEncoder(_format, codecOptions);
        _packetizer = new RtpPacketizer((byte)codecOptions.PayloadType);
        _buffer = new JitterBuffer(_packetizer.Ssrc, AudioCodecFactory.CreateDecoder(codec, _format, OpusLibrary.Native), options, frameSamples, time: _time);
        _source = source ?? new ToneSource(ToneHz, _format);
        for (int i = 0; i < _packets.Length; i++)
        {
            _packets[i] = new byte[RtpHeader.FixedSize + 1500];
        }

        _start = _time.GetUtcNow();
    }

    /// <summary>The receiver's clock against the sender's, in parts per million (+ = consumes faster).</summary>
    public double ReceiverPpm { get; init; }

    /// <summary>Network delay of packet n in ms, or <see langword="null"/> to lose it. Default: 5 ms, always delivered.</summary>
    public Func<long, double?> Network { get; init; } = _ => 5;

    /// <summary>Called once per second of virtual time, with the seconds elapsed and the receiver's statistics.</summary>
    public Action<int, PeerStatistics>? EverySecond { get; init; }

    /// <summary>
    /// Samples the receiver reads at a time, one read per that much time (a device period when a
    /// device pulls playout); default: one frame.
    /// </summary>
    public int ReadSamples { get; init; }

    /// <summary>
    /// The sender's capture period in samples: each frame is sent in the period that completes it (as
    /// a device callback runs at a period's start on that period's audio), so a device period longer
    /// than a frame sends its frames in bursts; default: one frame.
    /// </summary>
    public int SenderPeriodSamples { get; init; }

    /// <summary>Where the played audio goes, or null; filled from the start until full.</summary>
    public float[]? Recording { get; init; }

    public PeerStatistics Statistics => _buffer.GetStatistics();

    /// <summary>
    /// Bytes the call's own code (tone, encoder, packetizer, jitter buffer with its decoder) allocated
    /// after the first 10 minutes, counted around each of its calls: the harness's plumbing (the fake
    /// clock, the event queue, the statistics) is not the product.
    /// </summary>
    public long AllocatedAfterTenMinutes { get; private set; }

    /// <summary>Plays <paramref name="duration"/> of virtual time.</summary>
    public void Run(TimeSpan duration)
    {
        int readSamples = ReadSamples > 0 ? ReadSamples : _frame;
        int senderPeriod = SenderPeriodSamples > 0 ? SenderPeriodSamples : _frame;
        var pcm = new float[_frame];
        var played = new float[readSamples];
        const double ticksPerSample = TimeSpan.TicksPerSecond / 48_000.0;
        double readPeriod = readSamples * ticksPerSample / (1 + (ReceiverPpm / 1e6));
        long sent = 0, reads = 0, recorded = 0;
        int nextSecond = 1;
        long allocated = 0;
        bool counting = false;
        long end = duration.Ticks;
        while (true)
        {
            long sendAt = (long)((Math.Ceiling((double)(sent + 1) * _frame / senderPeriod) - 1) * senderPeriod * ticksPerSample);
            long readAt = (long)(reads * readPeriod);
            long arriveAt = _inFlight.TryPeek(out _, out long a) ? a : long.MaxValue;
            long now = Math.Min(sendAt, Math.Min(readAt, arriveAt));
            if (now >= end)
            {
                AllocatedAfterTenMinutes = allocated;
                return;
            }

            _time.Advance(_start.AddTicks(now) - _time.GetUtcNow());
            if (now == arriveAt)
            {
                int slot = _inFlight.Dequeue(); // arrivals first: a packet and a read at one instant, the packet is in time
                long before = GC.GetAllocatedBytesForCurrentThread();
                bool parsed = RtpHeader.TryParse(_packets[slot].AsSpan(0, _lengths[slot]), out RtpHeader header, out int offset, out int length);
                bool placed = parsed && _buffer.Insert(header, _packets[slot].AsSpan(offset, length));
                allocated += counting ? GC.GetAllocatedBytesForCurrentThread() - before : 0;
                Assert.True(placed);
            }
            else if (now == sendAt)
            {
                int slot = (int)(sent % _packets.Length);
                long before = GC.GetAllocatedBytesForCurrentThread();
                _source.Read(pcm, CancellationToken.None);
                int payload = _encoder.Encode(pcm, _packets[slot].AsSpan(RtpHeader.FixedSize));
                _packetizer.WriteHeader(_packets[slot], _frame);
                allocated += counting ? GC.GetAllocatedBytesForCurrentThread() - before : 0;
                _lengths[slot] = RtpHeader.FixedSize + payload;
                if (Network(sent) is { } delayMs)
                {
                    _inFlight.Enqueue(slot, now + (long)(delayMs * TimeSpan.TicksPerMillisecond));
                }

                sent++;
            }
            else
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                _buffer.Read(played);
                allocated += counting ? GC.GetAllocatedBytesForCurrentThread() - before : 0;
                reads++;
                if (Recording is { } recording && recorded < recording.Length)
                {
                    int n = (int)Math.Min(played.Length, recording.Length - recorded);
                    played.AsSpan(0, n).CopyTo(recording.AsSpan((int)recorded));
                    recorded += n;
                }

                if (now >= nextSecond * TimeSpan.TicksPerSecond)
                {
                    counting |= nextSecond == 600;
                    EverySecond?.Invoke(nextSecond++, _buffer.GetStatistics());
                }
            }
        }
    }

    public void Dispose()
    {
        _buffer.Dispose();
        _encoder.Dispose();
    }
}
