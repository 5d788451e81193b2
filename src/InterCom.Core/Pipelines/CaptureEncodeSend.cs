using System.IO.Pipelines;
using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.FlowControl;
using InterCom.Core.Rtp;
using InterCom.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Pipelines;

/// <summary>The sending half: source → <see cref="Input"/> pipe → encoder → RTP → the session, which sends to every peer.</summary>
internal sealed class CaptureEncodeSend : ICaptureEncodeSend
{
    private const int CaptureThreadPriority = 5; // SCHED_FIFO, below a JACK server's own (10 by default) and its clients'

    private readonly RtpSession _session;
    private readonly ILogger _logger;
    private readonly IAudioEncoder _encoder;
    private RtpPacketizer _packetizer;
    private readonly Pipe _pipe;
    private readonly float[] _frame;
    private readonly byte[] _packet;
    private readonly CancellationTokenSource _stop = new();
    private IAudioSource? _source;
    private Thread? _captureThread;
    private readonly TaskCompletionSource _captureEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _encodeTask = Task.CompletedTask;
    private int _started;

    private readonly Speech.DiscontinuousTransmission? _dtx;
    private readonly FlowControlCounters? _counters;
    private readonly BitrateController? _rate;
    private readonly int _framesPerReport;
    private long _frames;
    private long _reportsSeen;

    /// <summary>
    /// What an earlier run of this half (a restarted worker process) already counted: published
    /// counters continue from it, so that they describe the call rather than the process.
    /// </summary>
    internal CesCounters CountersBaseline { get; init; }

    public CaptureEncodeSend(
        RtpSession session, AudioFormat format, CodecOptions codec, ILogger logger,
        FlowControlCounters? counters = null, RateControlOptions? rateControl = null)
    {
        _session = session;
        _counters = counters;
        _framesPerReport = (int)Math.Round(1 / codec.FrameDuration.TotalSeconds); // about once a second
        Format = format;
        Codec = codec;
        _logger = logger;
        _encoder = AudioCodecFactory.CreateEncoder(format, codec);
        _packet = new byte[RtpHeader.FixedSize + AudioCodecFactory.MaxPayloadBytes(codec.Codec, format) + Security.SrtpSession.TagLength];
        if (rateControl is { Enabled: true } && _encoder is OpusAudioEncoder)
        {
            _rate = new BitrateController(rateControl, codec.EffectiveBitrate(format.Channels));
        }
        _packetizer = new RtpPacketizer((byte)codec.PayloadType, session.Ssrc);
        _dtx = codec.DiscontinuousTransmission ? new Speech.DiscontinuousTransmission(codec.FrameDuration, format.Channels) : null;
        _frame = new float[codec.FrameSamples * format.Channels];
        _pipe = PcmPipe.Create(_frame.Length * sizeof(float));
    }

    public AudioFormat Format { get; }

    public CodecOptions Codec { get; }

    public uint Ssrc => Volatile.Read(ref _packetizer).Ssrc;

    public PipeWriter Input => _pipe.Writer;

    public IReadOnlyList<IPEndPoint> Peers => _session.Peers;

    public long PacketsSent => _session.PacketsSent;

    public long BytesSent => _session.BytesSent;

    /// <summary>Frames not sent as audio because the input was silent (discontinuous transmission).</summary>
    public long FramesSuppressed => _dtx?.FramesSuppressed ?? 0;

    public void Start(IAudioSource? source)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("Already started.");
        }

        if (source is not null && source.Format != Format)
        {
            throw new ArgumentException($"The source produces {source.Format}; the call sends {Format}.", nameof(source));
        }

        PipelineLog.SendStarted(_logger, _encoder is OpusAudioEncoder opus ? (opus.IsNative ? "Opus (native libopus)" : "Opus (managed Concentus)") : "L16", Ssrc, Codec.FrameDuration.TotalMilliseconds, _session.Peers.Count);
        PublishCounters(); // the receiving half (maybe another process) learns our SSRC now, not in a second
        _counters?.Beat(Hosting.WorkerRole.Ces);
        if (source is null)
        {
            // The application writes Input. Started here, not on the thread pool: it runs to its first
            // await, and from then on every frame is encoded inline on the thread that writes it (the
            // pipe's reader scheduler is inline). The call's start never waits for a pool thread.
            _encodeTask = PcmPipe.ConsumeFramesAsync(_pipe.Reader, new float[_frame.Length], EncodeAndSend);
        }
        else
        {
            _source = source;
            _captureThread = new Thread(() => CaptureLoop(source)) { IsBackground = true, Name = "InterCom capture", Priority = ThreadPriority.AboveNormal };
            _captureThread.Start();
        }
    }

    public void AddPeer(IPEndPoint peer) => _session.AddPeer(peer);

    public bool RemovePeer(IPEndPoint peer) => _session.RemovePeer(peer);

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_captureThread is not null)
        {
            await _captureEnded.Task.ConfigureAwait(false);
        }
        else
        {
            await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }

        try
        {
            await _encodeTask.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            // The application completed Input with an error, or stopped mid-frame: nothing more to send.
        }

        _session.EndStream(); // the others drop our stream at once instead of after a timeout
    }

    /// <summary>
    /// Once a second, on the encoding thread: the receivers' latest report about our stream into the rate
    /// controller (and the encoder retuned if it decided so), and our counters.
    /// </summary>
    private void Report()
    {
        if (_counters is null)
        {
            return;
        }

        RdpCounters received = _counters.Snapshot().Rdp;
        if (_rate is not null && received.ReportsReceived != _reportsSeen)
        {
            _reportsSeen = received.ReportsReceived;
            int before = _rate.TargetBitrate;
            if (_rate.OnReport(received.RemoteFractionLost / 256.0, received.RoundTripMicros))
            {
                ((OpusAudioEncoder)_encoder).Tune(_rate.TargetBitrate, _rate.FecEnabled, _rate.LossHintPercent);
                PipelineLog.RateChanged(
                    _logger, before, _rate.TargetBitrate, _rate.FecEnabled, _rate.LossHintPercent, received.RemoteFractionLost / 2.56, _rate.QueueDelayMicros / 1000.0,
                    _rate.Congested ? "congestion" : received.RemoteFractionLost > 0 ? "random loss" : "clean");
            }
        }

        PublishCounters();
    }

    private void PublishCounters() => _counters?.Publish(new CesCounters(
        Environment.TickCount64, Environment.ProcessId, Volatile.Read(ref _packetizer).Ssrc,
        CountersBaseline.PacketsSent + PacketsSent, CountersBaseline.BytesSent + BytesSent,
        _rate?.TargetBitrate ?? (Codec.Codec == AudioCodec.Opus ? Codec.EffectiveBitrate(Format.Channels) : 0), _rate?.FecEnabled ?? false, _rate?.LossHintPercent ?? 0,
        CountersBaseline.FramesSuppressed + FramesSuppressed));

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _source?.Dispose();
        _encoder.Dispose();
        _stop.Dispose();
    }

    private void CaptureLoop(IAudioSource source)
    {
        if (source.IsRealTime)
        {
            // Woken by the device's callback, as a JACK client's own thread is: at normal priority the
            // wake-up came up to a period late now and then, and the receiver kept a period more for it.
            _ = Interop.Interop.Libc.TrySetRealTimePriority(CaptureThreadPriority);
        }

        CancellationToken token = _stop.Token;
        // After a stall (a GC pause stops every thread), send the frames that fell due meanwhile, as a
        // device's ring would have kept them: the receiver, stalled too, catches up as well, and its
        // latency guard trims what stays queued. Skipping them would leave a hole in the audio.
        FramePacer? pacer = source.IsRealTime ? null : new FramePacer(Codec.FrameDuration);
        Exception? error = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (pacer is not null && !pacer.WaitNext(token))
                {
                    break;
                }

                int read = source.Read(_frame, token);
                if (read == 0)
                {
                    if (!token.IsCancellationRequested)
                    {
                        PipelineLog.SourceEnded(_logger);
                    }

                    break;
                }

                _frame.AsSpan(read).Clear();
                EncodeAndSend(_frame); // straight on: a pipe between a source and the encoder only cost CPU (measured 5 % of a call's)
            }
        }
        catch (Exception e)
        {
            error = e;
            PipelineLog.CaptureFailed(_logger, e);
        }
        finally
        {
            _pipe.Writer.Complete(error);
        }

        // A source that ended (a WAV input) leaves the half idle, not hung: it goes on beating until stopped.
        while (_counters is not null && !token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100)))
        {
            _counters.Beat(Hosting.WorkerRole.Ces);
        }

        _captureEnded.TrySetResult();
    }

    private void EncodeAndSend(float[] frame)
    {
        _counters?.Beat(Hosting.WorkerRole.Ces); // every frame: a sender that stops sending is seen within one
        if (_session.Ssrc != _packetizer.Ssrc)
        {
            // The session took a new SSRC after a collision (RFC 3550 section 8.2): a new sequence and timestamp too.
            Volatile.Write(ref _packetizer, new RtpPacketizer(_packetizer.PayloadType, _session.Ssrc));
            PublishCounters();
        }

        switch (_dtx?.Next(frame) ?? Speech.TransmitDecision.Audio)
        {
            case Speech.TransmitDecision.Audio:
                int payload = _encoder.Encode(frame, _packet.AsSpan(RtpHeader.FixedSize));
                _packetizer.WriteHeader(_packet, _encoder.FrameSamples);
                _session.SendRtp(_packet, RtpHeader.FixedSize + payload, Codec.FrameDuration); // the frame is whole now: its first sample is a frame old
                break;
            case Speech.TransmitDecision.ComfortNoise:
                int noise = _dtx!.WriteComfortNoise(_packet.AsSpan(RtpHeader.FixedSize));
                _packetizer.WriteComfortNoiseHeader(_packet, (byte)Codec.ComfortNoisePayloadType, _encoder.FrameSamples);
                _session.SendRtp(_packet, RtpHeader.FixedSize + noise, Codec.FrameDuration);
                break;
            default:
                _packetizer.Skip(_encoder.FrameSamples);
                break;
        }

        if (++_frames % _framesPerReport == 0)
        {
            Report();
        }
    }
}
