using InterCom.Core.Rtp;

namespace InterCom.Core.Jitter;

/// <summary>
/// One remote stream's RFC 3550 reception statistics, kept on the receive thread: extended sequence
/// numbers, packets and bytes received, duplicates told apart from late packets, interarrival jitter,
/// the last sender report, and the report block (appendix A.3) built from them. Read by statistics and
/// report threads under one lock that the playout side never takes.
/// </summary>
internal sealed class ReceptionStatistics
{
    private const int HistorySize = 1024;   // window for telling duplicates from late packets
    private readonly Lock _gate = new();
    private readonly long[] _history = new long[HistorySize];
    private readonly TimeProvider _time;
    private bool _anyReceived;
    private long _firstSeq;
    private long _highestSeq;
    private long _received;
    private long _bytes;
    private long _duplicate;
    private double _jitter;          // interarrival jitter, in the stream's clock units
    private long _lastTransit;
    private bool _hasTransit;
    private long _expectedPrior;
    private long _receivedPrior;
    private uint _lastSenderReport;          // compact NTP of the last SR from this sender (LSR)
    private long _lastSenderReportTicks;     // when it arrived
    private long _lastArrivalTicks;

    public ReceptionStatistics(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _lastArrivalTicks = _time.GetTimestamp();
        Array.Fill(_history, -1);
    }

    /// <summary>Timestamp (of the <see cref="TimeProvider"/>) of the last packet recorded, or of creation.</summary>
    public long LastArrivalTicks => Volatile.Read(ref _lastArrivalTicks);

    /// <summary>
    /// Receive thread: records one packet that arrived at <paramref name="arrival"/> (the stream's clock
    /// units) and gives its extended sequence number (the first packet's is 2^32 + its number, leaving room
    /// below for reordered predecessors).
    /// </summary>
    /// <returns><see langword="false"/> for a copy of a packet already recorded: counted, not to be played.</returns>
    public bool TryRecord(in RtpHeader header, int payloadLength, long arrival, out long sequence)
    {
        lock (_gate)
        {
            Volatile.Write(ref _lastArrivalTicks, _time.GetTimestamp());
            if (!_anyReceived)
            {
                sequence = (1L << 32) + header.SequenceNumber;
                _anyReceived = true;
                _firstSeq = sequence;
                _highestSeq = sequence;
            }
            else
            {
                sequence = RtpSequence.Extend(header.SequenceNumber, _highestSeq);
            }

            ref long seen = ref _history[sequence & (HistorySize - 1)];
            if (seen == sequence)
            {
                _duplicate++;
                return false;
            }

            seen = sequence;
            _received++;
            _bytes += payloadLength;
            UpdateJitter(header.Timestamp, arrival);
            UpdateTransit(header.Timestamp);
            _firstSeq = Math.Min(_firstSeq, sequence);
            _highestSeq = Math.Max(_highestSeq, sequence);
            return true;
        }
    }

    /// <summary>Notes a sender report from this stream's sender: its LSR and when it came, for the next report block.</summary>
    public void OnSenderReport(uint compactNtp, long arrivalTicks)
    {
        lock (_gate)
        {
            _lastSenderReport = compactNtp;
            _lastSenderReportTicks = arrivalTicks;
        }
    }

    /// <summary>Notes a sender report's wall-clock/RTP pair too (lip sync maps media timestamps to the sender's clock with it).</summary>
    public void OnSenderReport(Rtp.RtcpSenderInfo info, long arrivalTicks)
    {
        OnSenderReport(info.CompactNtp, arrivalTicks);
        lock (_gate)
        {
            _senderClock = (info.NtpTimestamp, info.RtpTimestamp);
        }
    }

    /// <summary>The sender's wall-clock time (NTP, in seconds) at RTP timestamp <paramref name="timestamp"/>, from its last report; <see langword="null"/> before one.</summary>
    public double? SenderTimeOf(uint timestamp, int clockRate)
    {
        lock (_gate)
        {
            return _senderClock is { } clock ? SenderTime(clock, timestamp, clockRate) : null;
        }
    }

    private (ulong Ntp, uint Rtp)? _senderClock;
    private int _clockRate;
    private double _transit = double.NaN;

    /// <summary>
    /// How long after its capture (by the sender's clock) a packet arrives here (by this host's), smoothed
    /// over packets, in seconds: the path's delay plus the offset between the two clocks, which is the
    /// same for every stream of one sender, so that lip sync can compare them. <see langword="null"/>
    /// until the first sender report.
    /// </summary>
    public double? TransitSeconds
    {
        get
        {
            lock (_gate)
            {
                return double.IsNaN(_transit) ? null : _transit;
            }
        }
    }

    /// <summary>The RTP clock rate of the stream, for <see cref="TransitSeconds"/>; set by its receiver (0: no transit kept).</summary>
    public int ClockRate
    {
        get => _clockRate;
        init => _clockRate = value;
    }

    private static double SenderTime((ulong Ntp, uint Rtp) clock, uint timestamp, int clockRate)
        => Rtp.NtpTime.Seconds(clock.Ntp) + (unchecked((int)(timestamp - clock.Rtp)) / (double)clockRate);

    private void UpdateTransit(uint timestamp)
    {
        if (_senderClock is not { } clock || _clockRate == 0)
        {
            return;
        }

        double transit = Rtp.NtpTime.NowSeconds() - SenderTime(clock, timestamp, _clockRate);
        // The lowest recent transit leads: a packet held up on the path (or a video frame's later fragments, sent
        // after encoding) says nothing about when its capture was.
        _transit = double.IsNaN(_transit) || transit < _transit ? transit : _transit + ((transit - _transit) / 64);
    }

    /// <summary>The report block about stream <paramref name="ssrc"/>, and the start of the next interval.</summary>
    public RtcpReportBlock TakeReportBlock(uint ssrc, long nowTicks)
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
                ssrc,
                fraction,
                (int)Math.Clamp(expected - _received, -0x800000, 0x7FFFFF),
                (uint)(_highestSeq - (1L << 32)), // the numbering starts at 2^32 + the first sequence number
                (uint)_jitter,
                _lastSenderReport,
                delay);
        }
    }

    /// <summary>The counters now, each pair consistent with the others.</summary>
    public Snapshot Take()
    {
        lock (_gate)
        {
            long lost = Math.Max(0, (_anyReceived ? _highestSeq - _firstSeq + 1 : 0) - _received);
            return new Snapshot(_received, _bytes, lost, _duplicate, _jitter);
        }
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

    /// <summary>Reception counters at one moment.</summary>
    /// <param name="Received">Distinct packets (duplicates excluded, late ones included).</param>
    /// <param name="Bytes">Payload bytes of the distinct packets.</param>
    /// <param name="Lost">Expected (highest − first + 1) − received, as RFC 3550 counts.</param>
    /// <param name="Duplicate">Copies of packets already received.</param>
    /// <param name="Jitter">Interarrival jitter, clock units.</param>
    internal readonly record struct Snapshot(long Received, long Bytes, long Lost, long Duplicate, double Jitter);
}
