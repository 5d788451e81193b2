using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Diagnostics;
using InterCom.Core.Rtp;

namespace InterCom.Core.Jitter;

/// <summary>
/// One remote sender's jitter buffer, between two threads that never wait for each other, built of
/// parts with one job each: <see cref="ReceptionStatistics"/> (RFC 3550 counters, duplicates, the report
/// block) and a lock-free <see cref="PacketMailbox"/> on the receive thread; on the playout side (a
/// playout thread, or a device's audio callback: it never locks, allocates or blocks)
/// <see cref="PacketSlots"/>, <see cref="PlayoutDelay"/> (the target and where the delay stands),
/// <see cref="PlayoutDecision"/> (which operation comes next) and <see cref="DecodedAudio"/> (decode,
/// FEC, concealment, stretching). This type places packets, measures them, and carries out the
/// decisions. Steady state allocates nothing.
/// </summary>
internal sealed class JitterBuffer : Sessions.IMediaStream, IDisposable
{
    internal const int Capacity = PacketSlots.Capacity;
    private const int MailboxCapacity = 128;    // packets handed over between two reads: 320 ms at 2.5 ms frames
    private const int StretchCooldownFactor = 3;     // after changing the length by L, play 3·L first: at most ±25 % speed
    private const int UnalikeAttemptsBeforeForce = 10;
    private const int ReadyMargin = 48;             // a packet counts as there for a read only from 1 ms after it arrived (see Measure)
    private const long ComfortNoiseHoldSamples = 72_000; // 1.5 s without a refresh (the sender sends one every 400 ms): it went away

    // The receive thread's side.
    private readonly PacketMailbox _mailbox;
    private readonly TimeProvider _time;
    private readonly double _samplesPerTick;
    private readonly int _maxPayload;
    private long _overflowed;        // packets the playout side had no room for: discarded
    private long _lbrrArrival = long.MinValue / 2; // when the last packet with in-band FEC came (48 kHz units)

    // The playout side: touched by one thread at a time, the one that reads. Counters are read by
    // statistics from other threads (each is written whole, so each read is a value it had).
    private readonly PacketSlots _slots;
    private readonly DecodedAudio _audio;
    private readonly Codecs.ComfortNoiseGenerator _comfort = new();
    private readonly PlayoutDelay _delay;
    private readonly int _channels;
    private readonly bool _stretching;
    private readonly int _maxConcealedRun;
    private readonly bool _delayForFec;
    private State _state = State.Idle;
    private bool _anyPlaced;
    private long _placedHighest;   // the highest sequence number handed over to this side
    private long _nextSeq;
    private long _bufferingElapsed;
    private int _frameSamples;
    private int _concealedRun;
    private int _stallCredit;       // frames concealed while waiting for _nextSeq: they stand in for it if it turns out lost
    private long _unmeasuredFrom;   // packets below this one are measured (see Measure) or missing
    private int _farAboveReads;
    private long _lossAt = long.MinValue / 2;   // the read at which a frame was last found lost (48 kHz units)
    private int _stretchCooldown;   // samples to play before the next time-stretch
    private int _unalikeAttempts;
    private long _late;
    private long _concealed;
    private long _recovered;
    private long _discarded;
    private long _framesPlayed;
    private long _expandedSamples;
    private long _shortenedSamples;
    private long _comfortNoiseSamples;
    private long _comfortSetAt;

    private int _reading;            // the playout side is inside Read (see Dispose)
    private int _disposed;

    public JitterBuffer(uint ssrc, IAudioDecoder decoder, JitterBufferOptions options, int defaultFrameSamples, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _samplesPerTick = (double)AudioFormat.CallSampleRate / _time.TimestampFrequency;
        Ssrc = ssrc;
        Reception = new ReceptionStatistics(_time) { ClockRate = AudioFormat.CallSampleRate };
        _audio = new DecodedAudio(decoder);
        _channels = decoder.Format.Channels;
        _stretching = options.TimeStretching;
        _delay = new PlayoutDelay(options, decoder.Format);
        _maxConcealedRun = options.MaxConcealedRun;
        _delayForFec = options.DelayForFec;
        _frameSamples = defaultFrameSamples;
        _maxPayload = AudioCodecFactory.MaxPayloadBytes(decoder.Codec, decoder.Format);
        _mailbox = new PacketMailbox(MailboxCapacity, _maxPayload);
        _slots = new PacketSlots(_maxPayload);
    }

    private enum State
    {
        Idle,       // nothing to play: silence until a packet comes
        Buffering,  // a talkspurt's first packet came: waiting out the target delay
        Playing,
    }

    public uint Ssrc { get; }

    /// <summary>The sender's RFC 3550 reception statistics (receive thread; the RTCP report blocks come from here).</summary>
    public ReceptionStatistics Reception { get; }

    public AudioCodec Codec => _audio.Decoder.Codec;

    /// <summary>The payload type of the sender's RFC 3389 comfort noise; <see langword="null"/>: none is taken.</summary>
    public byte? ComfortNoisePayloadType { get; init; }

    /// <summary>
    /// How long the first sample of the newest frame waits here before it plays, in seconds: the audio queued
    /// ahead of the playout point (smoothed, as the playout delay statistic) less that frame.
    /// </summary>
    public double WaitSeconds => Math.Max(0, _delay.Queued - Volatile.Read(ref _frameSamples)) / AudioFormat.CallSampleRate;

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

        bool comfortNoise = header.PayloadType == ComfortNoisePayloadType;
        int frameSamples = payload.Length > _maxPayload ? -1
            : comfortNoise ? (Codecs.ComfortNoisePayload.IsValid(payload) ? Volatile.Read(ref _frameSamples) : -1)
            : _audio.Decoder.GetFrameSamples(payload); // reads the payload only
        if (frameSamples <= 0)
        {
            return false;
        }

        if (_audio.Decoder.Codec == AudioCodec.Opus && OpusRedundancy.HasLbrr(payload))
        {
            Volatile.Write(ref _lbrrArrival, arrival);
        }

        if (Reception.TryRecord(header, payload.Length, arrival, out long seq) && !_mailbox.TryWrite(seq, frameSamples, arrival, payload, comfortNoise))
        {
            Interlocked.Increment(ref _overflowed); // the playout side stopped reading: what it cannot take is dropped, not queued
        }

        return true;
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
                if (_bufferingElapsed >= _delay.Target)
                {
                    _state = State.Playing;
                    _delay.Begin(Queued(), samples);
                    _slots.MarkMeasured(_nextSeq, _placedHighest); // waited for on purpose: their spare says nothing about the network
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
                if (_audio.Count > 0)
                {
                    filled += _audio.PlayInto(destination[filled..]);
                    continue;
                }

                if (_state != State.Playing)
                {
                    PlaySilence(destination[filled..], now);
                    break;
                }

                NextFrame(now, samples);
                if (_audio.Count > 0)
                {
                    FollowTarget();
                }
            }

            _stretchCooldown = Math.Max(0, _stretchCooldown - samples);
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    /// <summary>This sender's statistics, as coming from <paramref name="endPoint"/>.</summary>
    public PeerStatistics GetStatistics(System.Net.IPEndPoint endPoint)
    {
        ReceptionStatistics.Snapshot r = Reception.Take();
        return new PeerStatistics(
            endPoint,
            Ssrc,
            r.Received,
            r.Bytes,
            r.Lost,
            Volatile.Read(ref _late),
            r.Duplicate,
            Volatile.Read(ref _concealed),
            Interlocked.Read(ref _overflowed) + Volatile.Read(ref _discarded),
            r.Jitter / 48.0,
            _delay.Queued / 48.0)
        {
            FramesRecovered = Volatile.Read(ref _recovered),
            FramesPlayed = Volatile.Read(ref _framesPlayed),
            TargetDelayMs = _delay.Target / 48.0,
            ExpandedMs = Volatile.Read(ref _expandedSamples) / 48.0,
            ShortenedMs = Volatile.Read(ref _shortenedSamples) / 48.0,
            ComfortNoiseMs = Volatile.Read(ref _comfortNoiseSamples) / 48.0,
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

        _audio.Dispose();
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
                _delay.Estimator.Add(QueuedUpTo(seq - 1), _frameSamples); // negative: how far its playout time had passed
            }

            return;
        }

        _slots.Place(packet);
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
    /// packets ever closer to their reads (before any comes late: the 1 ms), and jitter.
    /// <see cref="PlayoutDelay"/> turns them into the target; far above it for long,
    /// <see cref="PlayoutDecision.Level"/> discards.
    /// </summary>
    private void Measure(int samples, long now)
    {
        long cutoff = now - ReadyMargin;
        bool below = true; // every packet below seq is measured or missing
        for (long seq = Math.Max(_unmeasuredFrom, _nextSeq); seq <= _placedHighest; seq++)
        {
            PacketSlots.Slot slot = _slots[seq];
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
                _delay.Estimator.Add(slot.Arrival > cutoff ? ahead - samples : ahead, _frameSamples);
            }

            if (below)
            {
                _unmeasuredFrom = seq + 1;
            }
        }

        long queued = Queued();
        _delay.Update(queued, samples, _delayForFec ? PlayoutDecision.FecAllowance(now - Volatile.Read(ref _lbrrArrival), now - _lossAt, _frameSamples) : 0);
        if (PlayoutDecision.Level(queued, _delay.Target, samples, ref _farAboveReads) == PlayoutOperation.Discard)
        {
            DiscardDownTo(_delay.Target + samples);
        }
    }

    /// <summary>Carries out <see cref="PlayoutDecision.NextFrame"/>: decodes, rebuilds, conceals, waits, or ends the talkspurt.</summary>
    private void NextFrame(long now, int samples)
    {
        PlayoutOperation operation = PlayoutDecision.NextFrame(
            _slots.Holds(_nextSeq), _placedHighest > _nextSeq, _stallCredit, _slots.Holds(_nextSeq + 1), _concealedRun, _maxConcealedRun,
            _stallCredit > 0 && Queued() - _frameSamples >= _delay.Target + samples);
        switch (operation)
        {
            case PlayoutOperation.Normal when _slots[_nextSeq].ComfortNoise:
                EndTalkspurt(now);
                break;
            case PlayoutOperation.Normal:
                DecodeNext();
                break;
            case PlayoutOperation.DropLate:
                _late++;
                _slots[_nextSeq].Sequence = -1;
                _nextSeq++;
                _concealedRun = 0;
                _stallCredit--;
                DelayChanged(-_frameSamples); // its frame was played, concealed, while the stream stalled
                break;
            case PlayoutOperation.Skip:
                _lossAt = now;
                _nextSeq++;
                _stallCredit--;
                DelayChanged(-_frameSamples); // played already: the stream is a frame earlier against the reads again
                break;
            case PlayoutOperation.Recover:
                _lossAt = now;
                _nextSeq++;
                if (_audio.Recover(_slots[_nextSeq].Payload, _frameSamples) > 0)
                {
                    _recovered++;
                    _framesPlayed++;
                    _concealedRun = 0;
                }
                else
                {
                    Conceal();
                }

                break;
            case PlayoutOperation.Conceal:
                _lossAt = now;
                _nextSeq++;
                Conceal();
                break;
            case PlayoutOperation.Expand:
                // The next packet is late (a stall on the way) or the sender stopped: the delay grows by
                // the stall instead of the playout point running ahead of the stream (stretching brings it
                // back down later).
                _concealedRun++;
                _stallCredit++;
                Conceal();
                DelayChanged(_frameSamples); // the stream is a frame later against the reads than it was
                break;
            default:
                _state = State.Idle;
                _concealedRun = 0;
                _stallCredit = 0;
                _comfort.Stop(); // the sender stopped without saying it fell silent: it is gone, not quiet
                break;
        }
    }

    /// <summary>The sender fell silent (its comfort noise payload is next): its noise plays until the next talkspurt.</summary>
    private void EndTalkspurt(long now)
    {
        PacketSlots.Slot slot = _slots[_nextSeq];
        _comfort.Set(slot.Payload);
        _comfortSetAt = now;
        slot.Sequence = -1;
        _nextSeq++;
        _state = State.Idle;
        _concealedRun = 0;
        _stallCredit = 0;
    }

    /// <summary>Between talkspurts: the sender's comfort noise while it refreshes it, else silence.</summary>
    private void PlaySilence(Span<float> destination, long now)
    {
        if (_comfort.Active && now - _comfortSetAt > ComfortNoiseHoldSamples)
        {
            _comfort.Stop();
        }

        if (!_comfort.Active)
        {
            destination.Clear();
            return;
        }

        _comfort.Generate(destination, _channels);
        _comfortNoiseSamples += destination.Length / _channels;
    }

    /// <summary>
    /// Carries out <see cref="PlayoutDecision.Stretch"/> just after a frame was decoded. Shortening takes
    /// at most the excess; lengthening no more than the shortfall if a similar stretch that short exists,
    /// else a whole period of the audio's own (a tone or a voice: more than the shortfall, never a period
    /// cut in two). After ten attempts that found nothing similar the stretch is forced (noise), unless the
    /// audio does have a period, only a longer one than the excess: that waits for the excess to grow to
    /// it. Then at least three times that much audio plays before the next change (at most ±25 % speed).
    /// </summary>
    private void FollowTarget()
    {
        double excess = _delay.Excess;
        PlayoutOperation operation = PlayoutDecision.Stretch(excess, _delay.Estimating, _stretching, _stretchCooldown > 0, _audio.IsConcealment);
        if (operation == PlayoutOperation.Normal)
        {
            return;
        }

        bool shorten = operation == PlayoutOperation.Shorten;
        int longest = shorten ? (int)Math.Min(excess, TimeStretcher.MaxLag) : (int)Math.Clamp(-excess, TimeStretcher.MinLag, TimeStretcher.MaxLag);
        bool force = _unalikeAttempts >= UnalikeAttemptsBeforeForce;
        DecodeAhead(2 * (force || !shorten ? TimeStretcher.MaxLag : longest));
        if (force && longest < TimeStretcher.MaxLag)
        {
            force = !_audio.HasPeriod();
        }

        int changed;
        if (shorten)
        {
            changed = -_audio.Shorten(force, longest);
            _shortenedSamples -= changed;
        }
        else
        {
            changed = _audio.Lengthen(force, longest);
            if (changed == 0 && longest < TimeStretcher.MaxLag)
            {
                changed = _audio.Lengthen(force: false, TimeStretcher.MaxLag);
            }

            _expandedSamples += changed;
        }

        if (changed == 0)
        {
            _unalikeAttempts++;
            return;
        }

        _unalikeAttempts = 0;
        DelayChanged(changed);
        _stretchCooldown = StretchCooldownFactor * Math.Abs(changed);
    }

    private void DelayChanged(long samples) => _delay.Shift(samples);

    /// <summary>Packets waiting plus decoded audio not yet played, in samples per channel.</summary>
    private long Queued() => _anyPlaced ? QueuedUpTo(_placedHighest) : 0;

    /// <summary>
    /// Decoded audio not yet played and packets up to <paramref name="highest"/>, missing ones
    /// included (they will be concealed or rebuilt; a frame concealed while waiting that stands in
    /// for one is taken off when it is passed: <see cref="DelayChanged"/>).
    /// </summary>
    private long QueuedUpTo(long highest) => ((highest - _nextSeq + 1) * _frameSamples) + _audio.Frames;

    /// <summary>Decodes the packets that are already here onto the decoded audio until it holds <paramref name="samples"/> per channel.</summary>
    private void DecodeAhead(int samples)
    {
        while (_audio.Frames < samples && _audio.HasRoomForFrame && _slots.Holds(_nextSeq) && !_slots[_nextSeq].ComfortNoise)
        {
            DecodeNext(); // only audio that came: concealment is no material to shorten
        }
    }

    /// <summary>Decodes the packet for <see cref="_nextSeq"/> onto the decoded audio and moves past it; a payload that does not decode is concealed in its place.</summary>
    private void DecodeNext()
    {
        PacketSlots.Slot slot = _slots[_nextSeq];
        slot.Sequence = -1;
        _nextSeq++;
        int samples = _audio.Decode(slot.Payload, _frameSamples);
        if (samples == 0)
        {
            _concealed++;
        }
        else
        {
            _frameSamples = samples;
            _concealedRun = 0;
            _stallCredit = 0; // what was concealed while waiting was waiting: the delay it added stays
        }

        _framesPlayed++;
    }

    /// <summary>Drops the oldest packets until about <paramref name="wanted"/> samples are queued; each one counted.</summary>
    private void DiscardDownTo(long wanted)
    {
        long before = Queued();
        while (Queued() > wanted + _frameSamples && _nextSeq < _placedHighest)
        {
            if (_slots.Remove(_nextSeq))
            {
                _discarded++;
            }

            _nextSeq++;
        }

        DelayChanged(Queued() - before);
        _delay.Reset(Queued());
    }

    private void Conceal()
    {
        _audio.Conceal(_frameSamples);
        _concealed++;
        _framesPlayed++;
    }

    private void Restart(long seq)
    {
        if (_nextSeq > 0)
        {
            _slots.Clear(_nextSeq);
        }

        _nextSeq = seq;
        _bufferingElapsed = 0;
        _concealedRun = 0;
        _stallCredit = 0;
        _unmeasuredFrom = seq;
        _state = _delay.Target == 0 ? State.Playing : State.Buffering;
    }
}
