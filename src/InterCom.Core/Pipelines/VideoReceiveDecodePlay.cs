using System.Diagnostics;
using InterCom.Core.Diagnostics;
using InterCom.Core.Rtp;
using InterCom.Core.Sessions;
using InterCom.Core.Video;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Pipelines;

/// <summary>
/// The video half of RDP: the session's VP8 packets per sender into a <see cref="VideoFrameBuffer"/>; one
/// render thread that asks for missing packets (generic NACK), takes each sender's frames in order as they
/// complete, decodes them (a decoder per sender), asks for a keyframe (PLI) when a frame cannot be decoded
/// or was given up, and hands the pictures to the <see cref="IVideoSink"/>. Everything is counted.
/// </summary>
internal sealed class VideoReceiveDecodePlay : IMediaReceiver, IAsyncDisposable
{
    private static readonly TimeSpan KeyframeRequestSpacing = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);
    private readonly RtpSession _session;
    private readonly VideoOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly List<Receiver> _receivers = [];
    private readonly List<(Receiver Receiver, string Reason)> _closed = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly byte[] _rtcp = new byte[12 + (4 * 64)];
    private readonly ushort[] _nacks = new ushort[64];
    private readonly VideoStatisticsCollector _statistics;
    private readonly IAudioPlayoutClock? _audio;
    private IVideoSink? _sink;
    private Thread? _thread;

    /// <param name="session">The call's session: packets from it, feedback through it.</param>
    /// <param name="options">The call's video options.</param>
    /// <param name="logger">Where senders coming and going, and failures, are logged.</param>
    /// <param name="audio">The audio side, whose playout the video of the same sender follows (lip sync); <see langword="null"/>: none.</param>
    public VideoReceiveDecodePlay(RtpSession session, VideoOptions options, ILogger logger, IAudioPlayoutClock? audio = null)
    {
        _session = session;
        _audio = audio;
        _options = options;
        _logger = logger;
        _statistics = new VideoStatisticsCollector(options.Format.FrameInterval);
        session.AddReceiver(this);
    }

    public int ClockRate => VideoFormat.ClockRate;

    public VideoStatisticsCollector Statistics => _statistics;

    public bool Takes(byte payloadType) => payloadType == _options.PayloadType;

    public void Start(IVideoSink? sink)
    {
        _sink = sink;
        _thread = new Thread(Run) { IsBackground = true, Name = "InterCom video render" };
        _thread.Start();
    }

    public IMediaStream Open(RemoteStream stream)
    {
        var receiver = new Receiver(new VideoFrameBuffer(stream, _time));
        lock (_gate)
        {
            _receivers.Add(receiver);
        }

        VideoLog.NewSender(_logger, stream.Ssrc, stream.EndPoint);
        return receiver.Buffer;
    }

    public void Close(RemoteStream stream, string reason)
    {
        lock (_gate)
        {
            if (_receivers.Find(r => r.Buffer.Stream == stream) is { } receiver)
            {
                _receivers.Remove(receiver);
                _closed.Add((receiver, reason)); // released on the render thread, which may be decoding with it
            }
        }

        _wake.Set();
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _wake.Set();
        _thread?.Join();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (Receiver receiver in _receivers)
            {
                receiver.Decoder?.Dispose();
                _statistics.OnStreamEnded(receiver.Buffer); // the final statistics keep what it recovered
            }

            _receivers.Clear();
        }

        ReleaseClosed();
        _sink?.Dispose();
        _stop.Dispose();
        _wake.Dispose();
    }

    private void Run()
    {
        var picture = new VideoFrame(_options.Format.Width, _options.Format.Height);
        Receiver[] current = [];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                _wake.WaitOne(Tick);
                ReleaseClosed();
                lock (_gate)
                {
                    if (current.Length != _receivers.Count || !_receivers.SequenceEqual(current))
                    {
                        current = [.. _receivers];
                    }
                }

                foreach (Receiver receiver in current)
                {
                    Service(receiver, picture);
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            VideoLog.ReceiveFailed(_logger, e);
        }
    }

    private void ReleaseClosed()
    {
        (Receiver, string)[] closed;
        lock (_gate)
        {
            if (_closed.Count == 0)
            {
                return;
            }

            closed = [.. _closed];
            _closed.Clear();
        }

        foreach ((Receiver receiver, string reason) in closed)
        {
            receiver.Decoder?.Dispose();
            _statistics.OnStreamEnded(receiver.Buffer);
            VideoLog.SenderLeft(_logger, receiver.Buffer.Stream.Ssrc, reason);
            try
            {
                _sink?.Remove(receiver.Buffer.Stream.Ssrc);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
            {
                OnSinkFailed(e);
            }
        }
    }

    /// <summary>One sender: NACKs due, then every frame that is ready, decoded and shown.</summary>
    private void Service(Receiver receiver, VideoFrame picture)
    {
        VideoFrameBuffer buffer = receiver.Buffer;
        long now = _time.GetTimestamp();
        TimeSpan roundTrip = TimeSpan.FromMicroseconds(Math.Max(_session.Feedback.RoundTripMicros, 0));
        int nacks = buffer.TakeNacks(_nacks, now, TimeSpan.FromMilliseconds(Math.Max(20, roundTrip.TotalMilliseconds * 1.5)));
        if (nacks > 0)
        {
            int length = RtcpWriter.WriteNack(_rtcp, _session.Ssrc, buffer.Stream.Ssrc, _nacks.AsSpan(0, nacks));
            _session.SendFeedback(_rtcp.AsSpan(0, length), buffer.Stream);
            _statistics.OnNackSent();
        }

        // Waiting for a lost packet longer than a NACK's round trips takes would only freeze the picture.
        TimeSpan patience = TimeSpan.FromMilliseconds(Math.Clamp((3 * roundTrip.TotalMilliseconds) + 60, 60, 200));
        double? audioDelay = _audio?.AudioDelaySeconds(buffer.Stream.EndPoint); // the same sender's audio: one socket, one address
        while (buffer.TryTake(ref receiver.Data, now, patience, _options.LipSync ? audioDelay : null) is { } frame)
        {
            if (frame.Incomplete)
            {
                _statistics.OnDropped();
                NeedKeyframe(receiver, now);
                continue;
            }

            _statistics.OnReceived();
            if (receiver.WaitingForKeyframe && !frame.IsKeyframe)
            {
                _statistics.OnDropped();
                NeedKeyframe(receiver, now);
                continue;
            }

            receiver.Decoder ??= new Vp8Decoder();
            long before = Stopwatch.GetTimestamp();
            if (!receiver.Decoder.Decode(receiver.Data.AsSpan(0, frame.Length), picture))
            {
                _statistics.OnDropped();
                NeedKeyframe(receiver, now);
                continue;
            }

            receiver.WaitingForKeyframe = false;
            picture.Ssrc = buffer.Stream.Ssrc;
            // Its age since capture (the sender's clock, from its reports): when it was captured by this host's clock, and how it plays against its audio.
            double? age = buffer.Reception.SenderTimeOf(frame.Timestamp, VideoFormat.ClockRate) is { } captured ? NtpTime.NowSeconds() - captured : null;
            picture.CaptureTimestamp = age is { } ago ? Stopwatch.GetTimestamp() - (long)(ago * Stopwatch.Frequency) : 0;
            _statistics.OnDecoded(Stopwatch.GetElapsedTime(before), picture, buffer.Stream.Ssrc);
            if (audioDelay is { } delay && age is { } shownAt)
            {
                _statistics.OnSynced(shownAt - delay); // later than its audio by this much (negative: earlier)
            }

            Show(picture);
        }
    }

    /// <summary>Asks the sender for a keyframe (a PLI), at most every 300 ms; the decoder skips frames until it comes.</summary>
    private void NeedKeyframe(Receiver receiver, long now)
    {
        receiver.WaitingForKeyframe = true;
        if (receiver.LastRequestTicks != 0 && _time.GetElapsedTime(receiver.LastRequestTicks, now) < KeyframeRequestSpacing)
        {
            return;
        }

        receiver.LastRequestTicks = now;
        int length = RtcpWriter.WritePictureLossIndication(_rtcp, _session.Ssrc, receiver.Buffer.Stream.Ssrc);
        _session.SendFeedback(_rtcp.AsSpan(0, length), receiver.Buffer.Stream);
        _statistics.OnKeyframeRequested();
    }

    private void Show(VideoFrame picture)
    {
        try
        {
            _sink?.Write(picture);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            OnSinkFailed(e);
        }
    }

    /// <summary>A sink that failed once (a full disk, a window gone) is not tried again; the call goes on.</summary>
    private void OnSinkFailed(Exception e)
    {
        _sink = null;
        _statistics.OnSinkFailed();
        VideoLog.SinkFailed(_logger, e.Message);
    }

    /// <summary>The receiving side's figures now.</summary>
    public VideoStatistics GetStatistics()
    {
        long recovered = 0;
        lock (_gate)
        {
            foreach (Receiver receiver in _receivers)
            {
                recovered += receiver.Buffer.Recovered;
            }
        }

        return _statistics.Snapshot(recovered);
    }

    private sealed class Receiver(VideoFrameBuffer buffer)
    {
        public VideoFrameBuffer Buffer { get; } = buffer;

        public byte[] Data = new byte[1 << 16];

        public Vp8Decoder? Decoder { get; set; }

        public bool WaitingForKeyframe { get; set; } = true;

        public long LastRequestTicks { get; set; }
    }
}
