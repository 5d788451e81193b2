using System.Diagnostics;
using InterCom.Core.FlowControl;
using InterCom.Core.Rtp;
using InterCom.Core.Sessions;
using InterCom.Core.Video;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Pipelines;

/// <summary>
/// The video half of CES: frames from an <see cref="IVideoSource"/> (paced at its rate unless it has a
/// clock) → VP8 → RFC 7741 packets under our video SSRC → the session, which keeps them for NACKs. A
/// keyframe when a receiver asks (PLI, FIR); the bitrate follows the receivers' reports about the video
/// stream, below <see cref="VideoOptions.Bitrate"/>. The RTP timestamp is the capture time at 90 kHz, so
/// that the sender reports pair it with the audio's on one wall clock.
/// </summary>
internal sealed class VideoCaptureEncodeSend : IAsyncDisposable
{
    private static readonly TimeSpan MinKeyframeSpacing = TimeSpan.FromMilliseconds(200); // many receivers asking at once make one keyframe
    private const int StartBitrate = 300_000;
    private readonly RtpSession _session;
    private readonly LocalVideoStream _stream;
    private readonly VideoOptions _options;
    private readonly ILogger _logger;
    private readonly Vp8Encoder _encoder;
    private readonly BitrateController _rate;
    private readonly byte[] _packet = new byte[RtpSession.MaxVideoPacket + Security.SrtpSession.TagLength];
    private readonly CancellationTokenSource _stop = new();
    private readonly uint _timestampBase = (uint)Random.Shared.NextInt64(0, 1L << 32);
    private ushort _sequence = (ushort)Random.Shared.Next(0, 1 << 16);
    private ushort _pictureId = (ushort)Random.Shared.Next(0, 1 << 15);
    private long _startTicks;
    private long _requestsSeen;
    private long _lastKeyframeTicks;
    private long _reportsSeen;
    private long _framesSent;
    private long _keyframesSent;
    private long _bytesSent;
    private Thread? _thread;
    private IVideoSource? _source;
    private VideoFrame? _scaled;

    public VideoCaptureEncodeSend(RtpSession session, VideoOptions options, ILogger logger)
    {
        _session = session;
        _options = options;
        _logger = logger;
        _stream = session.AddVideoStream();
        // Starting low and climbing a step a report (a tenth of the ceiling) finds a slow link's rate without flooding it first.
        int start = Math.Clamp(StartBitrate, options.MinBitrate, options.Bitrate);
        _encoder = new Vp8Encoder(options.Format, start, options.KeyframeInterval);
        _rate = new BitrateController(new RateControlOptions { MinBitrate = options.MinBitrate, MaxBitrate = options.Bitrate, CleanReportsPerStep = 1 }, start);
        _stream.TargetBitrate = start;
    }

    public uint Ssrc => _stream.Ssrc;

    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long KeyframesSent => Interlocked.Read(ref _keyframesSent);

    /// <summary>VP8 payload bytes sent (each frame once).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>The bitrate asked of the encoder now (kept on the stream, where the retransmission budget reads it too).</summary>
    public int TargetBitrate => _stream.TargetBitrate;

    public LocalVideoStream Stream => _stream;

    public void Start(IVideoSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Interlocked.CompareExchange(ref _source, source, null) is not null)
        {
            throw new InvalidOperationException("Already started.");
        }

        _thread = new Thread(() => Run(source)) { IsBackground = true, Name = "InterCom video capture" };
        _thread.Start();
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _thread?.Join();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _source?.Dispose();
        _encoder.Dispose();
        _stop.Dispose();
    }

    private void Run(IVideoSource source)
    {
        try
        {
            VideoLog.SendStarted(_logger, _options.Format, Ssrc, _options.Bitrate);
            FramePacer? pacer = source.IsRealTime ? null : new FramePacer(source.Format.FrameInterval);
            var frame = new VideoFrame(source.Format.Width, source.Format.Height);
            _startTicks = Stopwatch.GetTimestamp();
            while (!_stop.IsCancellationRequested)
            {
                if (pacer is not null && !pacer.WaitNext(_stop.Token))
                {
                    break;
                }

                if (!source.Read(frame, _stop.Token))
                {
                    if (!_stop.IsCancellationRequested)
                    {
                        VideoLog.SourceEnded(_logger);
                    }

                    break;
                }

                Send(Fit(frame));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            VideoLog.SendFailed(_logger, e);
        }
    }

    /// <summary>The frame at the encoder's size: as it is, or scaled (a camera that gave another size).</summary>
    private VideoFrame Fit(VideoFrame frame)
    {
        VideoFormat format = _options.Format;
        if (frame.Width == format.Width && frame.Height == format.Height)
        {
            return frame;
        }

        _scaled ??= new VideoFrame(format.Width, format.Height);
        VideoScaler.Scale(frame, _scaled);
        return _scaled;
    }

    private void Send(VideoFrame frame)
    {
        Adapt();
        long now = Stopwatch.GetTimestamp();
        long requests = _stream.KeyframeRequests;
        bool force = requests != _requestsSeen && Stopwatch.GetElapsedTime(_lastKeyframeTicks, now) >= MinKeyframeSpacing;
        if (force)
        {
            _requestsSeen = requests;
        }

        ReadOnlySpan<byte> encoded = _encoder.Encode(frame, force, out bool keyframe);
        if (encoded.IsEmpty)
        {
            return;
        }

        if (keyframe)
        {
            _lastKeyframeTicks = now;
            Interlocked.Increment(ref _keyframesSent);
        }

        uint timestamp = unchecked(_timestampBase + (uint)((frame.CaptureTimestamp - _startTicks) * VideoFormat.ClockRate / Stopwatch.Frequency));
        int count = Vp8Payload.FragmentCount(encoded.Length, RtpSession.MaxVideoPacket - RtpHeader.FixedSize - Vp8Payload.DescriptorSize);
        uint ssrc = _stream.Ssrc;
        for (int i = 0; i < count; i++)
        {
            new RtpHeader((byte)_options.PayloadType, _sequence++, timestamp, ssrc, i == count - 1).Write(_packet);
            int length = RtpHeader.FixedSize + Vp8Payload.WriteFragment(_packet.AsSpan(RtpHeader.FixedSize), encoded, i, count, _pictureId);
            _session.SendVideoRtp(_packet, length, frame.CaptureTimestamp);
        }

        _pictureId = (ushort)((_pictureId + 1) & 0x7FFF);
        Interlocked.Add(ref _bytesSent, encoded.Length);
        Interlocked.Increment(ref _framesSent);
    }

    /// <summary>A new report about the video stream into the rate controller, and the encoder's target after it.</summary>
    private void Adapt()
    {
        RemoteFeedback feedback = _stream.Feedback;
        if (feedback.Reports == _reportsSeen)
        {
            return;
        }

        _reportsSeen = feedback.Reports;
        long now = Stopwatch.GetTimestamp(), bytes = BytesSent;
        double seconds = _lastAdaptTicks == 0 ? 0 : Stopwatch.GetElapsedTime(_lastAdaptTicks, now).TotalSeconds;
        int? sending = seconds > 0.2 ? (int)((bytes - _lastAdaptBytes) * 8 / seconds) : null;
        (_lastAdaptTicks, _lastAdaptBytes) = (now, bytes);
        if (_rate.OnReport(feedback.FractionLost / 256.0, feedback.RoundTripMicros, sending))
        {
            _encoder.SetBitrate(_rate.TargetBitrate);
            _stream.TargetBitrate = _rate.TargetBitrate;
        }
    }

    private long _lastAdaptTicks;
    private long _lastAdaptBytes;
}
