using InterCom.Core.Jitter;
using InterCom.Core.Rtp;
using InterCom.Core.Sessions;

namespace InterCom.Core.Video;

/// <summary>
/// One remote video stream's packets until they make frames: slots by extended sequence number (fed by the
/// session's receive thread), the sequence numbers missing (for NACKs), and the assembly of the next frame
/// in order once all its packets, from the one that starts it to the one with the marker, are here; a
/// complete frame is taken when it is due (an adaptive wait that evens out jitter, and lip sync). A frame
/// that stays incomplete past a deadline while later packets arrive is given up (the decoder then waits for
/// a keyframe). The render thread takes frames; both sides hold <see cref="_gate"/> briefly.
/// </summary>
internal sealed class VideoFrameBuffer : IMediaStream
{
    private const int Slots = 1024;                  // about 3 s of 640×360 at 1 Mb/s
    private const int MaxNackTries = 3;
    private static readonly TimeSpan MissingLifetime = TimeSpan.FromMilliseconds(600);
    private static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(1); // lip sync never holds a frame longer
    private const int LatenessBins = 200;            // 1 ms each: a frame later than 200 ms counts as 199
    private const int LatenessWeight = 1600;          // one frame at 30 fps, in the histogram's 48 kHz units
    private readonly Jitter.ForgettingHistogram _lateness = new(LatenessBins, TimeSpan.FromSeconds(10));
    private int _measuredFrames;
    private readonly Lock _gate = new();
    private readonly long[] _seq = new long[Slots];
    private readonly byte[][] _data = new byte[Slots][];
    private readonly int[] _offset = new int[Slots];
    private readonly int[] _length = new int[Slots];
    private readonly uint[] _timestamp = new uint[Slots];
    private readonly bool[] _marker = new bool[Slots];
    private readonly bool[] _start = new bool[Slots];
    private readonly bool[] _key = new bool[Slots];
    private readonly int[] _pictureId = new int[Slots];
    private readonly SortedDictionary<long, (long FirstTicks, long NextTicks, int Tries)> _missing = [];
    private readonly TimeProvider _time;
    private long _highest = -1;
    private long _next = -1;           // extended sequence number where the next frame starts; -1: not known yet
    private long _stuckSince;          // when the next frame was first seen incomplete with later packets behind it; 0: not stuck
    private long _recovered;
    private long _givenUp;

    public VideoFrameBuffer(RemoteStream stream, TimeProvider time)
    {
        Stream = stream;
        _time = time;
        Reception = new ReceptionStatistics(time) { ClockRate = VideoFormat.ClockRate };
        Array.Fill(_seq, -1);
        for (int i = 0; i < Slots; i++)
        {
            _data[i] = new byte[Transport.UdpTransport.MaxDatagram];
        }
    }

    public RemoteStream Stream { get; }

    public ReceptionStatistics Reception { get; }

    /// <summary>Missing packets that arrived later (retransmitted or reordered).</summary>
    public long Recovered => Interlocked.Read(ref _recovered);

    /// <summary>Frames given up incomplete.</summary>
    public long GivenUp => Interlocked.Read(ref _givenUp);

    public bool Insert(in RtpHeader header, ReadOnlySpan<byte> payload, long arrival)
    {
        if (!Vp8Payload.TryRead(payload, out Vp8Descriptor descriptor))
        {
            return false;
        }

        if (!Reception.TryRecord(header, payload.Length, arrival, out long seq))
        {
            return true; // a copy: counted there
        }

        lock (_gate)
        {
            if (_highest >= 0 && seq > _highest + Slots)
            {
                Reset(); // a jump past the whole buffer: start again from this packet
            }
            else if (_next >= 0 && seq < _next)
            {
                return true; // too late: its frame was taken or given up
            }

            int slot = (int)(seq & (Slots - 1));
            _seq[slot] = seq;
            payload.CopyTo(_data[slot]);
            _offset[slot] = descriptor.DataOffset;
            _length[slot] = payload.Length;
            _timestamp[slot] = header.Timestamp;
            _marker[slot] = header.Marker;
            _start[slot] = descriptor.FrameStart;
            _key[slot] = descriptor.IsKeyframe;
            _pictureId[slot] = descriptor.PictureId;
            long now = _time.GetTimestamp();
            bool retransmitted = _missing.Remove(seq);
            if (retransmitted)
            {
                _recovered++;
            }
            else if (_highest >= 0)
            {
                for (long gap = _highest + 1; gap < seq && _missing.Count < Slots; gap++)
                {
                    _missing[gap] = (now, now, 0);
                }
            }

            _highest = Math.Max(_highest, seq);
            if (header.Marker && !retransmitted)
            {
                MeasureLateness(header.Timestamp);
            }
        }

        return true;
    }

    /// <summary>
    /// A frame's last packet arrived: how long after the fastest frames' (its age less the stream's lowest
    /// transit) goes into the lateness histogram. Taken at arrival, not when the frame is taken, so that a
    /// frame held for lip sync does not count its hold as lateness; a retransmitted packet does not set the pace.
    /// </summary>
    private void MeasureLateness(uint timestamp)
    {
        if (Reception.TransitSeconds is { } transit && Reception.SenderTimeOf(timestamp, VideoFormat.ClockRate) is { } captured)
        {
            double late = Rtp.NtpTime.NowSeconds() - captured - transit;
            _lateness.Add(Math.Clamp((int)(late * 1000), 0, LatenessBins - 1), LatenessWeight);
            _measuredFrames++;
        }
    }

    /// <summary>The missing sequence numbers due a (first or repeated) NACK at <paramref name="now"/>; each is asked for at most three times, <paramref name="retry"/> apart.</summary>
    public int TakeNacks(Span<ushort> destination, long now, TimeSpan retry)
    {
        int n = 0;
        long retryTicks = (long)(retry.TotalSeconds * _time.TimestampFrequency);
        long lifetime = (long)(MissingLifetime.TotalSeconds * _time.TimestampFrequency);
        lock (_gate)
        {
            foreach ((long seq, (long first, long next, int tries)) in _missing)
            {
                if (tries >= MaxNackTries || now - first > lifetime || (_next >= 0 && seq < _next))
                {
                    _pendingDrop.Add(seq);
                }
                else if (next <= now && n < destination.Length)
                {
                    destination[n++] = (ushort)seq;
                    _pendingUpdate.Add((seq, (first, now + retryTicks, tries + 1)));
                }
            }

            foreach ((long seq, (long, long, int) entry) in _pendingUpdate)
            {
                _missing[seq] = entry;
            }

            _pendingUpdate.Clear();
            foreach (long seq in _pendingDrop)
            {
                _missing.Remove(seq);
            }

            _pendingDrop.Clear();
        }

        return n;
    }

    private readonly List<(long, (long, long, int))> _pendingUpdate = [];   // changes to _missing, made after walking it
    private readonly List<long> _pendingDrop = [];

    /// <summary>
    /// Takes the next frame in order into <paramref name="frame"/>, when it is complete and due (see
    /// <see cref="IsDue"/>; <paramref name="playoutDelay"/>: the same sender's audio delay, seconds from
    /// capture as <see cref="ReceptionStatistics.TransitSeconds"/> counts them, for lip sync). Gives a frame
    /// up when it has been incomplete for <paramref name="patience"/> with later packets here.
    /// <see langword="null"/>: nothing to take now.
    /// </summary>
    public AssembledFrame? TryTake(ref byte[] frame, long now, TimeSpan patience, double? playoutDelay = null)
    {
        lock (_gate)
        {
            if (_highest < 0)
            {
                return null;
            }

            if (_next < 0 && FindStart(_highest - Slots + 1) is { } first)
            {
                _next = first;
            }

            if (_next < 0)
            {
                return null;
            }

            if (TryAssemble(_next, ref frame, out AssembledFrame assembled))
            {
                if (!IsDue(assembled, playoutDelay))
                {
                    return null;
                }

                _next = assembled.LastSequence + 1;
                _stuckSince = 0;
                return assembled;
            }

            if (_highest <= _next || !HasLaterMarker())
            {
                return null; // the frame may still be arriving
            }

            _stuckSince = _stuckSince == 0 ? now : _stuckSince;
            if (_time.GetElapsedTime(_stuckSince, now) < patience)
            {
                return null;
            }

            // Given up: on to the next frame start after it (a gap the decoder cannot bridge without a keyframe).
            _stuckSince = 0;
            _givenUp++;
            long? later = FindStart(_next + 1);
            _next = later ?? _highest + 1;
            return new AssembledFrame(0, false, 0, 0, _next - 1, Incomplete: true);
        }
    }

    /// <summary>
    /// Whether a complete frame is due: when the lateness of most recent frames (the 95th percentile of how
    /// long after the fastest a frame's last packet arrives, see <see cref="MeasureLateness"/>) has passed since its capture, so that frames come out at an
    /// even pace through jitter; and, with <paramref name="playoutDelay"/>, not before the audio captured
    /// with it plays (both ages hold the clocks' offset). Without a sender report yet, every frame is due.
    /// </summary>
    private bool IsDue(in AssembledFrame frame, double? playoutDelay)
    {
        if (Reception.TransitSeconds is not { } transit || Reception.SenderTimeOf(frame.Timestamp, VideoFormat.ClockRate) is not { } captured)
        {
            return true;
        }

        double age = Rtp.NtpTime.NowSeconds() - captured;
        double allowance = _measuredFrames < 30 ? 0 : (_lateness.LowerQuantile(0.95) + 1) / 1000.0;
        double hold = Math.Max(allowance, playoutDelay is { } delay ? Math.Clamp(delay - transit, 0, MaxHold.TotalSeconds) : 0);
        return age >= transit + hold;
    }

    private bool HasLaterMarker()
    {
        for (long seq = _next; seq <= _highest; seq++)
        {
            int slot = (int)(seq & (Slots - 1));
            if (_seq[slot] == seq && _marker[slot])
            {
                return true;
            }
        }

        return false;
    }

    private long? FindStart(long from)
    {
        for (long seq = Math.Max(from, _highest - Slots + 1); seq <= _highest; seq++)
        {
            int slot = (int)(seq & (Slots - 1));
            if (_seq[slot] == seq && _start[slot])
            {
                return seq;
            }
        }

        return null;
    }

    private bool TryAssemble(long start, ref byte[] frame, out AssembledFrame assembled)
    {
        assembled = default;
        int slot = (int)(start & (Slots - 1));
        if (_seq[slot] != start || !_start[slot])
        {
            return false;
        }

        uint timestamp = _timestamp[slot];
        int length = 0;
        for (long seq = start; seq <= _highest; seq++)
        {
            int s = (int)(seq & (Slots - 1));
            if (_seq[s] != seq || _timestamp[s] != timestamp)
            {
                return false;
            }

            if (seq != start && _start[s])
            {
                return false; // a new frame began before this one's marker: its last packet is lost
            }

            length += _length[s] - _offset[s];
            if (!_marker[s])
            {
                continue;
            }

            if (frame.Length < length)
            {
                Array.Resize(ref frame, Math.Max(frame.Length * 2, length)); // grows to the largest keyframe, then stays
            }

            int at = 0;
            for (long copy = start; copy <= seq; copy++)
            {
                int c = (int)(copy & (Slots - 1));
                _data[c].AsSpan(_offset[c], _length[c] - _offset[c]).CopyTo(frame.AsSpan(at));
                at += _length[c] - _offset[c];
            }

            assembled = new AssembledFrame(length, _key[slot], timestamp, _pictureId[slot], seq, Incomplete: false);
            return true;
        }

        return false;
    }

    private void Reset()
    {
        Array.Fill(_seq, -1);
        _missing.Clear();
        _next = -1;
        _stuckSince = 0;
    }
}

/// <summary>A frame the buffer gave: its VP8 data's length, whether it is a keyframe, its RTP timestamp and PictureID, its last packet; or a frame given up.</summary>
internal readonly record struct AssembledFrame(int Length, bool IsKeyframe, uint Timestamp, int PictureId, long LastSequence, bool Incomplete);
