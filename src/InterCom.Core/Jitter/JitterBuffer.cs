using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Diagnostics;
using InterCom.Core.Rtp;

namespace InterCom.Core.Jitter;

/// <summary>
/// One remote sender's jitter buffer and decoder, between two threads that never wait for each
/// other. The receive thread <see cref="Insert(in RtpHeader, ReadOnlySpan{byte})"/>s packets: it
/// counts them, drops duplicates, and hands them over through a lock-free <see cref="PacketMailbox"/>.
/// The playout side (a playout thread, or a device's audio callback: it never locks, allocates or
/// blocks) <see cref="Read"/>s exactly the next N samples: it places the packets handed over by
/// extended sequence number, decodes, conceals or fills silence, and drops (and counts) packets that
/// came after their playout time. The delay follows a target (fixed, or adaptive from
/// <see cref="DelayEstimator"/>, which watches what the reads find) by time-stretching decoded audio a
/// pitch period at a time (<see cref="TimeStretcher"/>). Steady state allocates nothing.
/// </summary>
internal sealed class JitterBuffer : IDisposable
{
    internal const int Capacity = 256;          // slots: 640 ms at 2.5 ms frames, 5 s at 20 ms
    private const int MailboxCapacity = 128;    // packets handed over between two reads: 320 ms at 2.5 ms frames
    private const int HistorySize = 1024;        // window for telling duplicates from late packets
    private const int MaxFrameSamples = 5760;    // 120 ms, the longest Opus packet
    private const int FarAboveReadsBeforeDiscard = 10;
    private const int FarAboveTargetSamples = 9600;  // 200 ms: a burst after a stall; stretching would take seconds
    private const int StretchCooldownFactor = 3;     // after changing the length by L, play 3·L first: at most ±25 % speed
    private const int UnalikeAttemptsBeforeForce = 10;
    private const int FixedBand = TimeStretcher.MinLag; // a fixed target is held within ±1.25 ms
    private const int ReadyMargin = 48;             // a packet counts as there for a read only from 1 ms after it arrived (see Measure)

    // The receive thread's side. The lock is shared only with the statistics and report readers, never with the playout side.
    private readonly Lock _arrivalsGate = new();
    private readonly long[] _history = new long[HistorySize];
    private readonly PacketMailbox _mailbox;
    private readonly TimeProvider _time;
    private readonly double _samplesPerTick;
    private readonly int _maxPayload;
    private bool _anyReceived;
    private long _firstSeq;
    private long _highestSeq;
    private long _received;
    private long _bytes;
    private long _duplicate;
    private long _overflowed;        // packets the playout side had no room for: discarded
    private double _jitter;          // RFC 3550 interarrival jitter, in 48 kHz units
    private long _lastTransit;
    private bool _hasTransit;
    private long _expectedPrior;
    private long _receivedPrior;
    private uint _lastSenderReport;          // compact NTP of the last SR from this sender (LSR)
    private long _lastSenderReportTicks;     // when it arrived
    private long _lastArrivalTicks;

    // The playout side: touched by one thread at a time, the one that reads. Counters are read by
    // statistics from other threads (each is written whole, so each read is a value it had).
    private readonly Slot[] _slots = new Slot[Capacity];
    private readonly IAudioDecoder _decoder;
    private readonly int _channels;
    private readonly bool _adaptive;
    private readonly bool _stretching;
    private readonly int _minSamples;
    private readonly int _maxSamples;
    private readonly int _maxConcealedRun;
    private readonly DelayEstimator _estimator;
    private readonly float[] _decoded;       // decoded audio not yet played: [_decodedOffset, +_decodedCount)
    private int _decodedOffset;
    private int _decodedCount;
    private State _state = State.Idle;
    private bool _anyPlaced;
    private long _placedHighest;   // the highest sequence number handed over to this side
    private long _nextSeq;
    private long _bufferingElapsed;
    private int _frameSamples;
    private int _concealedRun;
    private int _stallCredit;       // frames concealed while waiting for _nextSeq: they stand in for it if it turns out lost
    private long _unmeasuredFrom;   // packets below this one are measured (see Measure) or missing
    private int _targetSamples;     // slack wanted: audio queued beyond what a read takes
    private double _excess;         // how far the delay is above the target now (negative: below)
    private double _slack;          // smoothed slack at the reads
    private int _farAboveReads;
    private int _stretchCooldown;   // samples to play before the next time-stretch
    private int _unalikeAttempts;
    private bool _concealing;       // the decoded audio is concealment
    private long _late;
    private long _concealed;
    private long _recovered;
    private long _discarded;
    private long _framesPlayed;
    private long _expandedSamples;
    private long _shortenedSamples;
    private double _playoutDelay;    // smoothed samples queued ahead of the playout point at the reads

    private int _reading;            // the playout side is inside Read (see Dispose)
    private int _disposed;

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
        _mailbox = new PacketMailbox(MailboxCapacity, _maxPayload);
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

    /// <summary>Receive thread: takes one packet that arrived now (by the buffer's <see cref="TimeProvider"/>).</summary>
    /// <returns><see langword="false"/> when the payload is not valid for the codec (the caller counts it as malformed).</returns>
    public bool Insert(in RtpHeader header, ReadOnlySpan<byte> payload)
        => Insert(header, payload, (long)(_time.GetTimestamp() * _samplesPerTick));

    /// <summary>Receive thread: takes one packet. <paramref name="arrival"/> is the arrival time in 48 kHz units of the buffer's <see cref="TimeProvider"/>.</summary>
    /// <returns><see langword="false"/> when the payload is not valid for the codec (the caller counts it as malformed).</returns>
    public bool Insert(in RtpHeader header, ReadOnlySpan<byte> payload, long arrival)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return true; // the sender was just removed: the packet is simply not played
        }

        int frameSamples = payload.Length > _maxPayload ? -1 : _decoder.GetFrameSamples(payload); // reads the payload only
        if (frameSamples <= 0)
        {
            return false;
        }

        lock (_arrivalsGate)
        {
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
            _firstSeq = Math.Min(_firstSeq, seq);
            _highestSeq = Math.Max(_highestSeq, seq);
            if (!_mailbox.TryWrite(seq, frameSamples, arrival, payload))
            {
                _overflowed++; // the playout side stopped reading: what it cannot take is dropped, not queued
            }

            return true;
        }
    }

    /// <summary>Notes a sender report from this sender: its LSR and when it came, for our next report block.</summary>
    public void OnSenderReport(uint compactNtp, long arrivalTicks)
    {
        lock (_arrivalsGate)
        {
            _lastSenderReport = compactNtp;
            _lastSenderReportTicks = arrivalTicks;
        }
    }

    /// <summary>The RFC 3550 reception report block about this sender, and the start of the next interval.</summary>
    public RtcpReportBlock TakeReportBlock(long nowTicks)
    {
        lock (_arrivalsGate)
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

    /// <summary>
    /// Playout side: writes exactly <c>destination.Length</c> samples (a whole number of interleaved
    /// frames, any number of codec frames or fewer) of this sender's audio. Never locks, allocates or
    /// blocks: a device's audio callback may call it. One thread at a time.
    /// </summary>
    public void Read(Span<float> destination)
    {
        Interlocked.Exchange(ref _reading, 1); // a full fence: Dispose sees it, or this sees Dispose
        try
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                destination.Clear();
                return;
            }

            TakeArrivals();
            long now = (long)(_time.GetTimestamp() * _samplesPerTick);
            int samples = destination.Length / _channels;
            if (_state == State.Buffering)
            {
                if (_bufferingElapsed >= _targetSamples)
                {
                    _state = State.Playing;
                    _playoutDelay = Queued();
                    _slack = _playoutDelay - samples;
                    for (long seq = _nextSeq; seq <= _placedHighest; seq++)
                    {
                        _slots[seq & (Capacity - 1)].Measured = true; // waited for on purpose: their spare says nothing about the network
                    }
                }

                _bufferingElapsed += samples;
            }

            if (_state == State.Playing)
            {
                Measure(samples, now);
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

            _stretchCooldown = Math.Max(0, _stretchCooldown - samples);
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    public PeerStatistics GetStatistics()
    {
        long received, bytes, lost, duplicate, overflowed;
        double jitter;
        lock (_arrivalsGate)
        {
            received = _received;
            bytes = _bytes;
            lost = Math.Max(0, (_anyReceived ? _highestSeq - _firstSeq + 1 : 0) - _received);
            duplicate = _duplicate;
            overflowed = _overflowed;
            jitter = _jitter;
        }

        return new PeerStatistics(
            EndPoint,
            Ssrc,
            received,
            bytes,
            lost,
            Volatile.Read(ref _late),
            duplicate,
            Volatile.Read(ref _concealed),
            overflowed + Volatile.Read(ref _discarded),
            jitter / 48.0,
            Volatile.Read(ref _playoutDelay) / 48.0)
        {
            FramesRecovered = Volatile.Read(ref _recovered),
            FramesPlayed = Volatile.Read(ref _framesPlayed),
            TargetDelayMs = Volatile.Read(ref _targetSamples) / 48.0,
            ExpandedMs = Volatile.Read(ref _expandedSamples) / 48.0,
            ShortenedMs = Volatile.Read(ref _shortenedSamples) / 48.0,
        };
    }

    /// <summary>
    /// Releases the decoder; safe while the receive or playout side still holds a reference: a read
    /// in progress is waited for (it takes microseconds), and later reads play silence.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var spinner = default(SpinWait);
        while (Volatile.Read(ref _reading) != 0)
        {
            spinner.SpinOnce();
        }

        _decoder.Dispose();
    }

    /// <summary>Places the packets the receive thread handed over since the last read.</summary>
    private void TakeArrivals()
    {
        while (_mailbox.Peek() is { } packet)
        {
            Place(packet);
            _mailbox.Advance();
        }
    }

    /// <summary>Puts one handed-over packet in its slot, or drops it as late; starts and restarts talkspurts.</summary>
    private void Place(PacketMailbox.Entry packet)
    {
        long seq = packet.Sequence;
        _placedHighest = _anyPlaced ? Math.Max(_placedHighest, seq) : seq;
        _anyPlaced = true;
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
            if (_state == State.Playing)
            {
                _estimator.Add(QueuedUpTo(seq - 1), _frameSamples); // negative: how far its playout time had passed
            }

            return;
        }

        Slot slot = _slots[seq & (Capacity - 1)];
        (slot.Data, packet.Data) = (packet.Data, slot.Data); // both the same size: a swap, not a copy
        slot.Sequence = seq;
        slot.Length = packet.Length;
        slot.Arrival = packet.Arrival;
        slot.Measured = false;
        _unmeasuredFrom = Math.Min(_unmeasuredFrom, seq);
    }

    /// <summary>
    /// At a read at <paramref name="now"/>, before it takes <paramref name="samples"/>: measures the
    /// packets that became usable since the last read, and where the delay stands against the
    /// target. A packet is usable from the first read at least 1 ms after it arrived; its spare is
    /// the audio queued ahead of it then: how much less delay would still have had it in time (a
    /// packet that comes after its playout time has a negative spare; a lost one has none: more
    /// delay would not have helped). Measured against the reads, not against other packets, the
    /// spare sees how the sender's frames line up with this reader's periods, drift that brings
    /// packets ever closer to their reads (before any comes late: the 1 ms), and jitter. Adaptive,
    /// the target is whatever leaves the spare that <see cref="DelayEstimator"/> says all but 1 % of
    /// recent packets had (within <see cref="JitterBufferOptions.MinDelay"/> and
    /// <see cref="JitterBufferOptions.MaxDelay"/>); fixed, or for a stream's first two seconds, it is
    /// the configured slack beyond what a read takes. Far above the target (200 ms, a burst after a
    /// stall) for 10 reads, whole packets are discarded.
    /// </summary>
    private void Measure(int samples, long now)
    {
        long cutoff = now - ReadyMargin;
        bool below = true; // every packet below seq is measured or missing
        for (long seq = Math.Max(_unmeasuredFrom, _nextSeq); seq <= _placedHighest; seq++)
        {
            Slot slot = _slots[seq & (Capacity - 1)];
            if (slot.Sequence == seq && !slot.Measured)
            {
                long ahead = QueuedUpTo(seq - 1);
                if (slot.Arrival > cutoff && ahead >= samples)
                {
                    below = false; // not usable yet, and not needed yet: the next read measures it
                    continue;
                }

                // Usable now; or needed now but only just come: usable from the next read, a read too late.
                slot.Measured = true;
                _estimator.Add(slot.Arrival > cutoff ? ahead - samples : ahead, _frameSamples);
            }

            if (below)
            {
                _unmeasuredFrom = seq + 1;
            }
        }

        long queued = Queued();
        long slack = queued - samples;
        Volatile.Write(ref _playoutDelay, _playoutDelay + ((queued - _playoutDelay) / 16));
        _slack += (slack - _slack) / 16;
        if (_adaptive && _estimator.HasEstimate)
        {
            // Keep MinDelay of spare at least; never more than MaxDelay queued beyond a read.
            _excess = Math.Max(_estimator.SpareSamples - _minSamples, _slack - _maxSamples);
            Volatile.Write(ref _targetSamples, (int)Math.Max(0, Math.Round(_slack - _excess)));
        }
        else
        {
            _excess = _slack - _targetSamples;
        }

        if (queued <= _targetSamples + samples + FarAboveTargetSamples)
        {
            _farAboveReads = 0;
        }
        else if (++_farAboveReads >= FarAboveReadsBeforeDiscard)
        {
            DiscardDownTo(_targetSamples + samples);
            _farAboveReads = 0;
        }
    }

    /// <summary>Decodes, conceals or ends the talkspurt for the next sequence number.</summary>
    private void NextFrame()
    {
        Slot slot = _slots[_nextSeq & (Capacity - 1)];
        if (slot.Sequence == _nextSeq)
        {
            DecodeNext(slot);
            return;
        }

        if (_placedHighest > _nextSeq)
        {
            // Lost (or still on its way: it will count as late). If a frame was concealed while
            // waiting for it, that frame stands in for it; else if the packet after it is here and
            // carries in-band FEC for it, rebuild it from that; otherwise conceal.
            Slot after = _slots[(_nextSeq + 1) & (Capacity - 1)];
            _nextSeq++;
            if (_stallCredit > 0)
            {
                _stallCredit--;
                DelayChanged(-_frameSamples); // played already: the stream is a frame earlier against the reads again
                return;
            }

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
            _stallCredit++;
            Conceal();
            DelayChanged(_frameSamples); // the stream is a frame later against the reads than it was
            return;
        }

        _state = State.Idle;
        _concealedRun = 0;
        _stallCredit = 0;
    }

    /// <summary>
    /// Just after a frame was decoded: moves the delay toward the target by time-stretching. At least
    /// the shortest period (1.25 ms) above it, one pitch period of the decoded audio is removed, never
    /// more than the excess; below it (adaptive: the spare fell under <see cref="JitterBufferOptions.MinDelay"/>;
    /// fixed: more than 1.25 ms under), one is inserted. Then at least three times that much audio
    /// plays before the next change (at most ±25 % speed, no audible jumps).
    /// </summary>
    private void FollowTarget()
    {
        bool shorten = _excess >= TimeStretcher.MinLag;
        bool lengthen = _excess < (_adaptive && _estimator.HasEstimate ? 0 : -FixedBand);
        if (!_stretching || _stretchCooldown > 0 || !(shorten || lengthen))
        {
            return;
        }

        // A stretch takes at most what is wanted: shortening never more than the excess, lengthening
        // no more than the shortfall if a similar stretch that short exists, else a whole period of
        // the audio's own (a tone or a voice: more than the shortfall, never a period cut in two).
        // After ten attempts that found nothing similar the stretch is forced (noise), unless the
        // audio does have a period, only a longer one than the excess: that waits for the excess to
        // grow to it.
        int longest = shorten ? (int)Math.Min(_excess, TimeStretcher.MaxLag) : (int)Math.Clamp(-_excess, TimeStretcher.MinLag, TimeStretcher.MaxLag);
        bool force = _unalikeAttempts >= UnalikeAttemptsBeforeForce;
        DecodeAhead(2 * (force || !shorten ? TimeStretcher.MaxLag : longest));
        if (force && longest < TimeStretcher.MaxLag)
        {
            force = !TimeStretcher.HasPeriod(_decoded.AsSpan(0, _decodedCount), _channels);
        }

        int changed;
        if (shorten)
        {
            changed = -TimeStretcher.Shorten(_decoded.AsSpan(0, _decodedCount), _channels, force, longest);
            _shortenedSamples -= changed;
        }
        else
        {
            changed = TimeStretcher.Lengthen(_decoded, _decodedCount, _channels, force, longest);
            if (changed == 0 && longest < TimeStretcher.MaxLag)
            {
                changed = TimeStretcher.Lengthen(_decoded, _decodedCount, _channels, force: false, TimeStretcher.MaxLag);
            }

            _expandedSamples += changed;
        }

        if (changed == 0)
        {
            _unalikeAttempts++;
            return;
        }

        _unalikeAttempts = 0;
        _decodedCount += changed * _channels;
        DelayChanged(changed);
        _stretchCooldown = StretchCooldownFactor * Math.Abs(changed);
    }

    /// <summary>The delay moved by <paramref name="samples"/> (stretching, a stall waited out, packets discarded): what was measured moves with it.</summary>
    private void DelayChanged(long samples)
    {
        _estimator.Shift((int)samples);
        _excess += samples;
        _slack += samples;
    }

    /// <summary>Packets waiting plus decoded audio not yet played, in samples per channel.</summary>
    private long Queued() => _anyPlaced ? QueuedUpTo(_placedHighest) : 0;

    /// <summary>
    /// Decoded audio not yet played and packets up to <paramref name="highest"/>, missing ones
    /// included (they will be concealed or rebuilt; a frame concealed while waiting that stands in
    /// for one is taken off when it is passed: <see cref="DelayChanged"/>).
    /// </summary>
    private long QueuedUpTo(long highest) => ((highest - _nextSeq + 1) * _frameSamples) + (_decodedCount / _channels);

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
            _stallCredit = 0; // what was concealed while waiting was waiting: the delay it added stays
        }

        _framesPlayed++;
        _decodedCount += samples * _channels;
    }

    /// <summary>Drops the oldest packets until about <paramref name="wanted"/> samples are queued; each one counted.</summary>
    private void DiscardDownTo(long wanted)
    {
        long before = Queued();
        while (Queued() > wanted + _frameSamples && _nextSeq < _placedHighest)
        {
            Slot slot = _slots[_nextSeq & (Capacity - 1)];
            if (slot.Sequence == _nextSeq)
            {
                slot.Sequence = -1;
                _discarded++;
            }

            _nextSeq++;
        }

        DelayChanged(Queued() - before);
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
        _stallCredit = 0;
        _unmeasuredFrom = seq;
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
        public byte[] Data = new byte[capacity];
        public long Sequence = -1;
        public int Length;
        public long Arrival;
        public bool Measured;
    }
}
