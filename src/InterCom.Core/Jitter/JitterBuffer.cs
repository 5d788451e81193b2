using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Diagnostics;
using InterCom.Core.Rtp;

namespace InterCom.Core.Jitter;

/// <summary>
/// One remote sender's jitter buffer and decoder. The receive thread <see cref="Insert(in RtpHeader, ReadOnlySpan{byte})"/>s
/// packets (placed by extended sequence number into preallocated slots); the playout thread
/// <see cref="Read"/>s exactly the next N samples, decoding, concealing or filling silence.
/// Duplicates are ignored, late packets dropped, and every one of them counted. The delay follows a
/// target (fixed, or adaptive from <see cref="DelayEstimator"/>) by time-stretching decoded audio a
/// pitch period at a time (<see cref="TimeStretcher"/>). Time comes from a <see cref="TimeProvider"/>,
/// so that a test can play an hour of virtual time in seconds. Steady state allocates nothing.
/// </summary>
internal sealed class JitterBuffer : IDisposable
{
    internal const int Capacity = 256;          // slots: 640 ms at 2.5 ms frames, 5 s at 20 ms
    private const int HistorySize = 1024;        // window for telling duplicates from late packets
    private const int MaxFrameSamples = 5760;    // 120 ms, the longest Opus packet
    private const int FarAboveReadsBeforeDiscard = 10;
    private const int FarAboveTargetSamples = 9600;  // 200 ms: a burst after a stall; stretching would take seconds
    private const int StretchCooldownFactor = 3;     // after changing the length by L, play 3·L first: at most ±25 % speed
    private const int UnalikeAttemptsBeforeForce = 10;

    private readonly Lock _gate = new();
    private readonly Slot[] _slots = new Slot[Capacity];
    private readonly long[] _history = new long[HistorySize];
    private readonly IAudioDecoder _decoder;
    private readonly int _maxPayload;
    private readonly int _channels;
    private readonly bool _adaptive;
    private readonly bool _stretching;
    private readonly int _minSamples;
    private readonly int _maxSamples;
    private readonly int _maxConcealedRun;
    private readonly DelayEstimator _estimator;
    private readonly TimeProvider _time;
    private readonly double _samplesPerTick;
    private readonly float[] _decoded;       // decoded audio not yet played: [_decodedOffset, +_decodedCount)
    private int _decodedOffset;
    private int _decodedCount;

    private State _state = State.Idle;
    private bool _anyReceived;
    private long _firstSeq;
    private long _highestSeq;
    private long _nextSeq;
    private long _bufferingElapsed;
    private int _frameSamples;
    private int _concealedRun;
    private int _targetSamples;     // delay wanted ahead of the frame being played
    private int _farAboveReads;
    private int _stretchCooldown;   // samples to play before the next time-stretch
    private int _unalikeAttempts;
    private bool _concealing;       // the decoded audio is concealment

    private long _received;
    private long _bytes;
    private long _late;
    private long _duplicate;
    private long _concealed;
    private long _recovered;
    private long _discarded;
    private long _framesPlayed;
    private long _expandedSamples;
    private long _shortenedSamples;
    private double _jitter;          // RFC 3550 interarrival jitter, in 48 kHz units
    private long _lastTransit;
    private bool _hasTransit;
    private double _playoutDelay;    // smoothed samples queued ahead of the playout point

    private bool _disposed;
    private long _expectedPrior;
    private long _receivedPrior;
    private uint _lastSenderReport;          // compact NTP of the last SR from this sender (LSR)
    private long _lastSenderReportTicks;     // when it arrived
    private long _lastArrivalTicks;

    public JitterBuffer(uint ssrc, IPEndPoint endPoint, IAudioDecoder decoder, JitterBufferOptions options, int defaultFrameSamples, System.Net.SocketAddress? source = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _samplesPerTick = (double)AudioFormat.CallSampleRate / _time.TimestampFrequency;
        _lastArrivalTicks = _time.GetTimestamp();
        Ssrc = ssrc;
        EndPoint = endPoint;
        Source = source;
        _decoder = decoder;
        _channels = decoder.Format.Channels;
        _adaptive = options.Adaptive;
        _stretching = options.TimeStretching;
        _minSamples = decoder.Format.FramesIn(options.MinDelay);
        _maxSamples = decoder.Format.FramesIn(options.MaxDelay);
        _targetSamples = decoder.Format.FramesIn(options.TargetDelay);
        if (_adaptive)
        {
            _targetSamples = Math.Clamp(_targetSamples, _minSamples, _maxSamples);
        }

        _estimator = new DelayEstimator(Math.Max(_maxSamples, _targetSamples));
        _maxConcealedRun = options.MaxConcealedRun;
        _frameSamples = defaultFrameSamples;
        _decoded = new float[((2 * MaxFrameSamples) + TimeStretcher.MaxLag) * _channels]; // a frame, the next decoded ahead, a period inserted
        _maxPayload = AudioCodecFactory.MaxPayloadBytes(decoder.Codec, decoder.Format);
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot(_maxPayload);
        }

        Array.Fill(_history, -1);
    }

    private enum State
    {
        Idle,       // nothing to play: silence until a packet comes
        Buffering,  // a talkspurt's first packet came: waiting out the target delay
        Playing,
    }

    public uint Ssrc { get; }

    public IPEndPoint EndPoint { get; }

    /// <summary>The transport address the stream's packets come from (RFC 3550 section 8.2 compares it).</summary>
    public System.Net.SocketAddress? Source { get; }

    /// <summary>Gain applied when mixing this sender (1 = unchanged, 0 = muted); set by any thread.</summary>
    public float Gain { get; set; } = 1f;

    /// <summary>Timestamp (of the buffer's <see cref="TimeProvider"/>: Stopwatch ticks by default) of the last packet placed.</summary>
    public long LastArrivalTicks => Volatile.Read(ref _lastArrivalTicks);

    public AudioCodec Codec => _decoder.Codec;

    /// <summary>Places one packet that arrived now (by the buffer's <see cref="TimeProvider"/>).</summary>
    /// <returns><see langword="false"/> when the payload is not valid for the codec (the caller counts it as malformed).</returns>
    public bool Insert(in RtpHeader header, ReadOnlySpan<byte> payload)
        => Insert(header, payload, (long)(_time.GetTimestamp() * _samplesPerTick));

    /// <summary>Places one packet. <paramref name="arrival"/> is the arrival time in 48 kHz units of a monotonic clock.</summary>
    /// <returns><see langword="false"/> when the payload is not valid for the codec (the caller counts it as malformed).</returns>
    public bool Insert(in RtpHeader header, ReadOnlySpan<byte> payload, long arrival)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return true; // the sender was just removed: the packet is simply not played
            }

            int frameSamples = payload.Length > _maxPayload ? -1 : _decoder.GetFrameSamples(payload);
            if (frameSamples <= 0)
            {
                return false;
            }

            Volatile.Write(ref _lastArrivalTicks, _time.GetTimestamp());
            long seq;
            if (!_anyReceived)
            {
                seq = (1L << 32) + header.SequenceNumber; // room below for reordered predecessors
                _anyReceived = true;
                _firstSeq = seq;
                _highestSeq = seq;
            }
            else
            {
                seq = RtpSequence.Extend(header.SequenceNumber, _highestSeq);
            }

            ref long seen = ref _history[seq & (HistorySize - 1)];
            if (seen == seq)
            {
                _duplicate++;
                return true;
            }

            seen = seq;
            _received++;
            _bytes += payload.Length;
            UpdateJitter(header.Timestamp, arrival);
            _estimator.Add(header.Timestamp, arrival, frameSamples);
            if (seq < _firstSeq)
            {
                _firstSeq = seq;
            }

            if (seq > _highestSeq)
            {
                _highestSeq = seq;
            }

            switch (_state)
            {
                case State.Idle when seq >= _nextSeq || _nextSeq == 0:
                    Restart(seq);
                    break;
                case State.Buffering when seq < _nextSeq && seq > _nextSeq - Capacity:
                    _nextSeq = seq; // an earlier packet of the same talkspurt arrived second
                    break;
                case State.Playing or State.Buffering when seq >= _nextSeq + Capacity:
                    Restart(seq); // far ahead: the sender jumped; start over from here
                    break;
                default:
                    break;
            }

            if (seq < _nextSeq)
            {
                _late++;
                return true;
            }

            Slot slot = _slots[seq & (Capacity - 1)];
            slot.Sequence = seq;
            slot.Length = payload.Length;
            payload.CopyTo(slot.Data);
            return true;
        }
    }

    /// <summary>Notes a sender report from this sender: its LSR and when it came, for our next report block.</summary>
    public void OnSenderReport(uint compactNtp, long arrivalTicks)
    {
        lock (_gate)
        {
            _lastSenderReport = compactNtp;
            _lastSenderReportTicks = arrivalTicks;
        }
    }

    /// <summary>The RFC 3550 reception report block about this sender, and the start of the next interval.</summary>
    public RtcpReportBlock TakeReportBlock(long nowTicks)
    {
        lock (_gate)
        {
            long expected = _anyReceived ? _highestSeq - _firstSeq + 1 : 0;
            long expectedInterval = expected - _expectedPrior;
            long lostInterval = expectedInterval - (_received - _receivedPrior);
            _expectedPrior = expected;
            _receivedPrior = _received;
            byte fraction = expectedInterval <= 0 || lostInterval <= 0 ? (byte)0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);
            uint delay = _lastSenderReportTicks == 0 ? 0
                : (uint)Math.Min(uint.MaxValue, (nowTicks - _lastSenderReportTicks) * 65536 / _time.TimestampFrequency);
            return new RtcpReportBlock(
                Ssrc,
                fraction,
                (int)Math.Clamp(expected - _received, -0x800000, 0x7FFFFF),
                (uint)(_highestSeq - (1L << 32)), // our numbering starts at 2^32 + the first sequence number
                (uint)_jitter,
                _lastSenderReport,
                delay);
        }
    }

    /// <summary>Writes exactly <c>destination.Length</c> samples (a whole number of frames) of this sender's audio.</summary>
    public void Read(Span<float> destination)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                destination.Clear();
                return;
            }

            if (_adaptive && _estimator.HasEstimate)
            {
                // What 97 % of recent packets needed, plus a frame for the reading side, which the
                // estimate cannot see: the playout clock wakes once per frame at any phase against the
                // arrivals, and on a busy machine a few milliseconds late.
                _targetSamples = Math.Clamp(_estimator.EstimateSamples + _frameSamples, _minSamples, _maxSamples);
            }

            if (_state == State.Buffering)
            {
                if (_bufferingElapsed >= _targetSamples)
                {
                    _state = State.Playing;
                    _playoutDelay = Queued();
                }

                _bufferingElapsed += destination.Length / _channels;
            }

            int filled = 0;
            while (filled < destination.Length)
            {
                if (_decodedCount > 0)
                {
                    int n = Math.Min(_decodedCount, destination.Length - filled);
                    _decoded.AsSpan(_decodedOffset, n).CopyTo(destination[filled..]);
                    _decodedOffset += n;
                    _decodedCount -= n;
                    filled += n;
                    continue;
                }

                if (_state != State.Playing)
                {
                    destination[filled..].Clear();
                    break;
                }

                _decodedOffset = 0;
                NextFrame();
                if (_decodedCount > 0 && !_concealing)
                {
                    FollowTarget(); // never stretches concealment: that would only make up more audio
                }
            }

            _stretchCooldown = Math.Max(0, _stretchCooldown - (destination.Length / _channels));
        }
    }

    public PeerStatistics GetStatistics()
    {
        lock (_gate)
        {
            long expected = _anyReceived ? _highestSeq - _firstSeq + 1 : 0;
            return new PeerStatistics(
                EndPoint,
                Ssrc,
                _received,
                _bytes,
                Math.Max(0, expected - _received),
                _late,
                _duplicate,
                _concealed,
                _discarded,
                _jitter / 48.0,
                _playoutDelay / 48.0)
            {
                FramesRecovered = _recovered,
                FramesPlayed = _framesPlayed,
                TargetDelayMs = _targetSamples / 48.0,
                ExpandedMs = _expandedSamples / 48.0,
                ShortenedMs = _shortenedSamples / 48.0,
            };
        }
    }

    /// <summary>Releases the decoder; safe while the receive or playout thread still holds a reference.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _decoder.Dispose();
            }
        }
    }

    /// <summary>Decodes, conceals or ends the talkspurt for the next sequence number (caller holds the lock).</summary>
    private void NextFrame()
    {
        Slot slot = _slots[_nextSeq & (Capacity - 1)];
        if (slot.Sequence == _nextSeq)
        {
            DecodeNext(slot);
            return;
        }

        if (_highestSeq > _nextSeq)
        {
            // Lost (or still on its way: it will count as late). If the packet after it is here and
            // carries in-band FEC for it, rebuild it from that; otherwise conceal.
            Slot after = _slots[(_nextSeq + 1) & (Capacity - 1)];
            _nextSeq++;
            if (after.Sequence == _nextSeq && _decoder.DecodeRedundancy(after.Data.AsSpan(0, after.Length), _decoded, _frameSamples) is > 0 and var samples)
            {
                _recovered++;
                _concealedRun = 0;
                SetDecoded(samples);
                return;
            }

            Conceal();
            return;
        }

        // Nothing buffered: the next packet is late (a stall on the way) or the sender stopped. Conceal
        // without moving past it, so that when it comes it is played, not dropped: the delay grows by
        // the stall instead of the playout point running ahead of the stream (FollowTarget brings it
        // back down later). After a few frames, go silent and wait for the next talkspurt.
        if (_concealedRun < _maxConcealedRun)
        {
            _concealedRun++;
            Conceal();
            return;
        }

        _state = State.Idle;
        _concealedRun = 0;
    }

    /// <summary>
    /// Just after a frame was decoded (caller holds the lock): moves the delay toward the target. The
    /// measure is the audio queued ahead of the playout point (packets waiting plus decoded audio),
    /// smoothed over about 16 frames. Above the target by more than half a frame (at least 5 ms), one
    /// pitch period of the decoded audio is removed; below it, one is inserted; then at least three
    /// times that much audio plays before the next change (at most ±25 % speed, no audible jumps).
    /// Far above (200 ms, a burst after a stall) for 10 frames, whole packets are discarded instead.
    /// </summary>
    private void FollowTarget()
    {
        long queued = Queued();
        _playoutDelay += (queued - _playoutDelay) / 16;
        long wanted = _targetSamples + _frameSamples; // the target, plus the frame being played
        if (queued > wanted + FarAboveTargetSamples)
        {
            if (++_farAboveReads >= FarAboveReadsBeforeDiscard)
            {
                DiscardDownTo(wanted);
                _farAboveReads = 0;
            }

            return;
        }

        _farAboveReads = 0;
        int band = Math.Max(_frameSamples / 2, 240);
        if (!_stretching || _stretchCooldown > 0 || Math.Abs(_playoutDelay - wanted) <= band)
        {
            return;
        }

        bool force = _unalikeAttempts >= UnalikeAttemptsBeforeForce;
        int changed;
        if (_playoutDelay > wanted)
        {
            DecodeAhead(2 * TimeStretcher.MaxLag);
            changed = -TimeStretcher.Shorten(_decoded.AsSpan(0, _decodedCount), _channels, force);
            _shortenedSamples -= changed;
        }
        else
        {
            changed = TimeStretcher.Lengthen(_decoded, _decodedCount, _channels, force);
            _expandedSamples += changed;
        }

        if (changed == 0)
        {
            _unalikeAttempts++;
            return;
        }

        _unalikeAttempts = 0;
        _decodedCount += changed * _channels;
        _playoutDelay += changed;
        _stretchCooldown = StretchCooldownFactor * Math.Abs(changed);
    }

    /// <summary>Packets waiting plus decoded audio not yet played, in samples per channel.</summary>
    private long Queued() => ((_highestSeq - _nextSeq + 1) * _frameSamples) + (_decodedCount / _channels);

    /// <summary>Decodes the packets that are already here onto the decoded audio until it holds <paramref name="samples"/> per channel.</summary>
    private void DecodeAhead(int samples)
    {
        while (_decodedCount / _channels < samples && _decoded.Length - _decodedCount >= MaxFrameSamples * _channels)
        {
            Slot slot = _slots[_nextSeq & (Capacity - 1)];
            if (slot.Sequence != _nextSeq)
            {
                return; // only audio that came: concealment is no material to shorten
            }

            DecodeNext(slot);
        }
    }

    /// <summary>
    /// Decodes the packet for <see cref="_nextSeq"/> (in <paramref name="slot"/>) onto the end of the
    /// decoded audio (which starts at index 0 here) and moves past it; a payload that does not decode
    /// is concealed in its place.
    /// </summary>
    private void DecodeNext(Slot slot)
    {
        slot.Sequence = -1;
        _nextSeq++;
        Span<float> destination = _decoded.AsSpan(_decodedCount);
        int samples = _decoder.Decode(slot.Data.AsSpan(0, slot.Length), destination);
        _concealing = samples <= 0;
        if (_concealing)
        {
            samples = _frameSamples;
            _decoder.Conceal(destination, samples);
            _concealed++;
        }
        else
        {
            _frameSamples = samples;
            _concealedRun = 0;
        }

        _framesPlayed++;
        _decodedCount += samples * _channels;
    }

    /// <summary>Drops the oldest packets until about <paramref name="wanted"/> samples are queued; each one counted.</summary>
    private void DiscardDownTo(long wanted)
    {
        while (Queued() > wanted + _frameSamples && _nextSeq < _highestSeq)
        {
            Slot slot = _slots[_nextSeq & (Capacity - 1)];
            if (slot.Sequence == _nextSeq)
            {
                slot.Sequence = -1;
                _discarded++;
            }

            _nextSeq++;
        }

        _playoutDelay = Queued();
    }

    private void Conceal()
    {
        _decoder.Conceal(_decoded, _frameSamples);
        _concealed++;
        SetDecoded(_frameSamples);
        _concealing = true;
    }

    private void SetDecoded(int frameSamples)
    {
        _framesPlayed++;
        _concealing = false;
        _decodedOffset = 0;
        _decodedCount = frameSamples * _channels;
    }

    private void Restart(long seq)
    {
        for (long s = _nextSeq; s < _nextSeq + Capacity && _nextSeq > 0; s++)
        {
            _slots[s & (Capacity - 1)].Sequence = -1;
        }

        _nextSeq = seq;
        _bufferingElapsed = 0;
        _concealedRun = 0;
        _state = _targetSamples == 0 ? State.Playing : State.Buffering;
    }

    private void UpdateJitter(uint timestamp, long arrival)
    {
        long transit = arrival - timestamp;
        if (_hasTransit)
        {
            long d = Math.Abs(unchecked((int)(transit - _lastTransit)));
            _jitter += (d - _jitter) / 16.0;
        }

        _lastTransit = transit;
        _hasTransit = true;
    }

    private sealed class Slot(int capacity)
    {
        public readonly byte[] Data = new byte[capacity];
        public long Sequence = -1;
        public int Length;
    }
}
