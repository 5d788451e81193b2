using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Diagnostics;
using InterCom.Core.Jitter;
using InterCom.Core.Mixing;
using InterCom.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Pipelines;

/// <summary>
/// The receiving half: the session's audio streams → a jitter buffer each → mix → the sink, pulled by a
/// device's callback or pushed by a playout thread (<see cref="PlayoutMode"/>). It publishes its flow-control
/// counters and a heartbeat every 100 ms.
/// </summary>
internal sealed class ReceiveDecodePlay : IReceiveDecodePlay, IMediaReceiver, IAudioRenderer, IAudioPlayoutClock
{
    private const int MaxRenderFrames = 8192;           // a callback asking for more is served in parts
    private const int MaxDeparted = 64;

    private readonly RtpSession _session;
    private readonly CodecOptions _codec;
    private readonly JitterBufferOptions _jitterOptions;
    private readonly FlowControl.FlowControlCounters? _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Pipe _pipe;
    private readonly ConcurrentDictionary<IPEndPoint, float> _gains = new();
    private readonly ConcurrentDictionary<IPEndPoint, bool> _muted = new();
    private readonly Lock _sendersGate = new();
    private readonly CancellationTokenSource _stop = new();
    private MixInput[] _senders = [];                     // published to the reading side (playout thread or device callback)
    private PeerStatistics[] _departed = [];              // final counters of senders that left, newest last
    private IAudioSink? _sink;
    private Thread? _playoutThread;
    private Thread? _countersThread;
    private readonly TaskCompletionSource _playoutEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly float[] _one;                        // the renderer's: one thread at a time mixes
    private long _sendersLeft;
    private long _outputFailures;
    private int _started;

    public ReceiveDecodePlay(
        RtpSession session, AudioFormat format, CodecOptions codec, JitterBufferOptions jitter, ILogger logger,
        FlowControl.FlowControlCounters? counters = null, TimeProvider? time = null)
    {
        _session = session;
        Format = format;
        _codec = codec;
        _jitterOptions = jitter;
        _counters = counters;
        _time = time ?? TimeProvider.System;
        _logger = logger;
        _pipe = PcmPipe.Create(codec.FrameSamples * format.Channels * sizeof(float));
        _one = new float[MaxRenderFrames * format.Channels];
        session.AddReceiver(this);
    }

    public AudioFormat Format { get; }

    /// <summary>
    /// What an earlier run of this half (a restarted worker process) already counted: published
    /// counters continue from it, so that they describe the call rather than the process.
    /// </summary>
    internal FlowControl.RdpCounters CountersBaseline { get; init; }

    public PipeReader Output => _pipe.Reader;

    public long PacketsMalformed => _session.Dropped(DropReason.Malformed);

    public long PacketsUnknownPayloadType => _session.Dropped(DropReason.UnknownPayloadType);

    public long SendersLeft => Interlocked.Read(ref _sendersLeft);

    /// <summary>Times the sink refused a write; after the first the call goes on without it (frames are dropped).</summary>
    public long OutputFailures => Interlocked.Read(ref _outputFailures);

    int IMediaReceiver.ClockRate => AudioFormat.CallSampleRate;

    bool IMediaReceiver.Takes(byte payloadType) => payloadType == _codec.OpusPayloadType || payloadType == _codec.PcmPayloadType;

    bool IMediaReceiver.TakesAlongside(byte payloadType) => payloadType == _codec.ComfortNoisePayloadType;

    IMediaStream IMediaReceiver.Open(RemoteStream stream)
    {
        AudioCodec codec = stream.PayloadType == _codec.OpusPayloadType ? AudioCodec.Opus : AudioCodec.Pcm;
        var buffer = new JitterBuffer(stream.Ssrc, AudioCodecFactory.CreateDecoder(codec, Format, _codec.OpusLibrary), _jitterOptions, _codec.FrameSamples, _time)
        {
            ComfortNoisePayloadType = (byte)_codec.ComfortNoisePayloadType,
        };
        var input = new MixInput(stream.EndPoint, buffer) { Gain = GainFor(stream.EndPoint) };
        lock (_sendersGate)
        {
            Volatile.Write(ref _senders, [.. _senders, input]);
        }

        PipelineLog.NewSender(_logger, stream.Ssrc, stream.EndPoint, codec);
        return buffer;
    }

    void IMediaReceiver.Close(RemoteStream stream, string reason)
    {
        MixInput? input;
        lock (_sendersGate)
        {
            input = Array.Find(_senders, s => s.Buffer == stream.Media);
            if (input is null)
            {
                return;
            }

            Volatile.Write(ref _senders, [.. _senders.Where(s => s != input)]);
            PeerStatistics final = input.GetStatistics() with { HasLeft = true };
            Volatile.Write(ref _departed, [.. _departed.Skip(Math.Max(0, _departed.Length + 1 - MaxDeparted)), final]);
        }

        Interlocked.Increment(ref _sendersLeft);
        input.Buffer.Dispose(); // decoder and slots released; a thread still holding it only gets silence
        PipelineLog.SenderLeft(_logger, stream.Ssrc, stream.EndPoint, reason);
    }

    /// <summary>Starts playout the <see cref="PlayoutMode.Automatic"/> way.</summary>
    public void Start(IAudioSink? sink) => Start(sink, Playout.Resolve(PlayoutMode.Automatic, sink, _codec));

    /// <summary>Starts playout in <paramref name="mode"/>, resolved by <see cref="Playout.Resolve"/>.</summary>
    public void Start(IAudioSink? sink, PlayoutMode mode)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("Already started.");
        }

        if (sink is not null && sink.Format != Format)
        {
            throw new ArgumentException($"The sink takes {sink.Format}; the call plays {Format}.", nameof(sink));
        }

        _sink = sink;
        _countersThread = new Thread(CountersLoop) { IsBackground = true, Name = "InterCom counters" };
        _countersThread.Start();
        if (mode == PlayoutMode.Pull)
        {
            // The device's callback pulls each period from the jitter buffers: nothing is queued between them and the device.
            _pipe.Writer.Complete();
            ((IRenderedSink)sink!).Attach(this);
            PipelineLog.PlaybackPulled(_logger);
            return;
        }

        if (sink is IRenderedSink)
        {
            PipelineLog.PlaybackPushed(_logger); // the callback must not allocate: a thread decodes into the device's ring
        }

        int frameLength = _codec.FrameSamples * Format.Channels;
        if (sink is not null)
        {
            _pipe.Writer.Complete(); // the mix goes straight to the sink: Output carries nothing
        }

        bool paced = sink is null || !sink.IsRealTime;
        _playoutThread = new Thread(() => PlayoutLoop(frameLength, paced, sink)) { IsBackground = true, Name = "InterCom playout", Priority = ThreadPriority.AboveNormal };
        _playoutThread.Start();
    }

    /// <summary>
    /// One frame to the sink; a sink that fails (a WAV file on a full disk) stops only itself: the failure is
    /// logged once and counted, and the playout thread goes on pacing the call.
    /// </summary>
    private void WriteToSink(IAudioSink sink, float[] frame, CancellationToken token)
    {
        if (Interlocked.Read(ref _outputFailures) != 0)
        {
            return;
        }

        try
        {
            sink.Write(frame, token);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _outputFailures);
            PipelineLog.OutputFailed(_logger, e.Message);
        }
    }

    /// <summary>
    /// The mix of every sender's next <c>destination.Length</c> samples: from the playout thread, or
    /// from a device's audio callback. Never locks, allocates or blocks (with decoders that do not
    /// allocate: <see cref="AudioCodecFactory.DecodesWithoutAllocating"/>); one thread at a time.
    /// </summary>
    public void Render(Span<float> destination)
    {
        int chunk = MaxRenderFrames * Format.Channels;
        for (int offset = 0; offset < destination.Length; offset += chunk)
        {
            Span<float> mix = destination.Slice(offset, Math.Min(chunk, destination.Length - offset));
            Span<float> one = _one.AsSpan(0, mix.Length);
            mix.Clear();
            foreach (MixInput sender in Volatile.Read(ref _senders))
            {
                sender.Buffer.Read(one);
                AudioMixer.Accumulate(mix, one, sender.Gain);
            }

            AudioMixer.SoftClip(mix);
        }
    }

    /// <summary>Senders that left (final counters, at most the last 64), then current senders, each in order of arrival.</summary>
    public double? AudioDelaySeconds(IPEndPoint sender)
    {
        foreach (MixInput input in Volatile.Read(ref _senders))
        {
            if (input.EndPoint.Equals(sender) && input.Buffer.Reception.TransitSeconds is { } transit)
            {
                return transit + input.Buffer.WaitSeconds;
            }
        }

        return null;
    }

    public IReadOnlyList<PeerStatistics> GetPeerStatistics()
        => [.. Volatile.Read(ref _departed), .. Array.ConvertAll(Volatile.Read(ref _senders), s => s.GetStatistics())];

    public void SetPeerGain(IPEndPoint peer, float gain)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (!float.IsFinite(gain) || gain < 0 || gain > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(gain), gain, "Gain must be between 0 and 16.");
        }

        _gains[peer] = gain;
        ApplyMix(peer);
    }

    public void SetPeerMuted(IPEndPoint peer, bool muted)
    {
        ArgumentNullException.ThrowIfNull(peer);
        _muted[peer] = muted;
        ApplyMix(peer);
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        (_sink as IRenderedSink)?.Detach(); // nothing to undo when a thread fed the device
        _pipe.Writer.CancelPendingFlush(); // a playout thread waiting for an application that stopped reading Output
        if (_playoutThread is not null)
        {
            await _playoutEnded.Task.ConfigureAwait(false);
        }

        _countersThread?.Join();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _sink?.Dispose();
        foreach (MixInput sender in Volatile.Read(ref _senders))
        {
            sender.Buffer.Dispose();
        }

        _stop.Dispose();
    }

    /// <summary>Until stopped: a heartbeat every 100 ms (a host tells a hung worker by it), and our counters once a second.</summary>
    private void CountersLoop()
    {
        const int BeatsPerPublish = 10;
        if (_counters is not { } counters)
        {
            return;
        }

        try
        {
            int beats = 0;
            while (!_stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100)))
            {
                counters.Beat(Hosting.WorkerRole.Rdp);
                if (++beats % BeatsPerPublish == 0)
                {
                    PublishCounters(counters);
                }
            }
        }
        catch (Exception e)
        {
            PipelineLog.PlaybackFailed(_logger, e);
        }
    }

    private void PublishCounters(FlowControl.FlowControlCounters counters)
    {
        ReceiveTotals t = ReceiveTotals.Of(GetPeerStatistics()); // senders that left count too: the counters only grow
        FlowControl.RdpCounters b = CountersBaseline;
        RemoteFeedback feedback = _session.Feedback;
        counters.Publish(new FlowControl.RdpCounters(
            Environment.TickCount64, Environment.ProcessId, b.PacketsReceived + t.PacketsReceived, b.BytesReceived + t.BytesReceived,
            b.PacketsLost + t.PacketsLost, b.PacketsLate + t.PacketsLate, b.FramesConcealed + t.FramesConcealed,
            (long)(t.JitterMs * 1000), (long)(t.PlayoutDelayMs * 1000),
            feedback.RoundTripMicros, feedback.FractionLost, feedback.JitterMicros, b.ReportsReceived + feedback.Reports));
    }

    private float GainFor(IPEndPoint endPoint)
        => _muted.TryGetValue(endPoint, out bool muted) && muted ? 0f : _gains.TryGetValue(endPoint, out float gain) ? gain : 1f;

    private void ApplyMix(IPEndPoint peer)
    {
        foreach (MixInput sender in Volatile.Read(ref _senders))
        {
            if (sender.EndPoint.Equals(peer))
            {
                sender.Gain = GainFor(peer);
            }
        }
    }

    /// <summary>
    /// Once per frame (by the wall clock, or as fast as a real-time sink takes it): the mix to the sink,
    /// or into <see cref="Output"/> when the application reads it.
    /// </summary>
    private void PlayoutLoop(int frameLength, bool paced, IAudioSink? sink)
    {
        var mix = new float[frameLength];
        FramePacer? pacer = paced ? new FramePacer(_codec.FrameDuration) : null;
        CancellationToken token = _stop.Token;
        Exception? error = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (pacer is not null && !pacer.WaitNext(token))
                {
                    break;
                }

                Render(mix);
                if (sink is not null)
                {
                    WriteToSink(sink, mix, token); // straight on: a pipe between the mixer and a sink only cost CPU
                }
                else if (!PcmPipe.WriteFrame(_pipe.Writer, mix))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // A real-time sink's write was waiting when the call stopped.
        }
        catch (Exception e)
        {
            error = e;
            PipelineLog.PlaybackFailed(_logger, e);
        }
        finally
        {
            if (sink is null)
            {
                _pipe.Writer.Complete(error);
            }

            _playoutEnded.TrySetResult();
        }
    }

    /// <summary>One sender in the mix: its buffer, the address it comes from, and its gain.</summary>
    private sealed class MixInput(IPEndPoint endPoint, JitterBuffer buffer)
    {
        public IPEndPoint EndPoint { get; } = endPoint;

        public JitterBuffer Buffer { get; } = buffer;

        /// <summary>Gain applied when mixing (1 = unchanged, 0 = muted); set by any thread.</summary>
        public float Gain { get; set; } = 1f;

        public PeerStatistics GetStatistics() => Buffer.GetStatistics(EndPoint);
    }
}
