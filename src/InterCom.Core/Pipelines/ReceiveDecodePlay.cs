using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Diagnostics;
using InterCom.Core.Jitter;
using InterCom.Core.Mixing;
using InterCom.Core.Rtp;
using InterCom.Core.Security;
using InterCom.Core.Transport;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Pipelines;

/// <summary>
/// The receiving half: datagrams → per-sender jitter buffers → mix → <see cref="Output"/> pipe → sink;
/// or, when the sink is a device that can pull (<see cref="IRenderedSink"/>), → mix on the device's
/// own audio callback, with no thread and no ring in between.
/// </summary>
internal sealed class ReceiveDecodePlay : IReceiveDecodePlay, IDatagramReceiver, IAudioRenderer
{
    private const int MaxRenderFrames = 8192;           // a callback asking for more is served in parts

    private readonly CodecOptions _codec;
    private readonly JitterBufferOptions _jitterOptions;
    private readonly ReceiveOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Pipe _pipe;
    private readonly ConcurrentDictionary<uint, JitterBuffer> _bySsrc = new();
    private readonly ConcurrentDictionary<IPEndPoint, float> _gains = new();
    private readonly ConcurrentDictionary<IPEndPoint, bool> _muted = new();
    private readonly Lock _sendersGate = new();
    private readonly CancellationTokenSource _stop = new();
    private JitterBuffer[] _senders = [];                 // published to the reading side (playout thread or device callback)
    private SocketAddress[] _ignored = [];                // removed peers' addresses
    private PeerStatistics[] _departed = [];              // final counters of senders that left, newest last
    private const int MaxDeparted = 64;
    private IAudioSink? _sink;
    private Thread? _playoutThread;
    private Thread? _reportThread;
    private readonly TaskCompletionSource _playoutEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly float[] _one;                        // the renderer's: one thread at a time mixes
    private Task _sinkTask = Task.CompletedTask;
    private long _malformed;
    private long _unknownPayloadType;
    private long _ssrcConflicts;
    private long _ssrcCollisions;
    private long _ignoredPackets;
    private long _authenticationFailures;
    private long _replayed;
    private long _unknownSources;
    private long _inProbation;
    private long _rtcpReceived;
    private readonly byte[]? _plain;                     // receive thread: the decrypted datagram
    private readonly Dictionary<uint, (ushort Sequence, int Count)> _probation = []; // receive thread only
    private const int MinSequential = 2;                 // RFC 3550 appendix A.1
    private const int MaxProbation = 64;
    private long _sendersLeft;
    private long _roundTripMicros;
    private long _remoteFractionLost;
    private long _remoteJitterMicros;
    private long _reportsReceived;
    private readonly RtcpReportBlock[] _blocks = new RtcpReportBlock[31];
    private readonly byte[] _report = new byte[8 + (31 * RtcpReportBlock.Size)];
    private int _started;

    public ReceiveDecodePlay(AudioFormat format, CodecOptions codec, JitterBufferOptions jitter, ReceiveOptions options, ILogger logger)
    {
        Format = format;
        _codec = codec;
        _jitterOptions = jitter;
        _options = options;
        _time = options.Time ?? TimeProvider.System;
        _logger = logger;
        _pipe = PcmPipe.Create(codec.FrameSamples * format.Channels * sizeof(float));
        _plain = options.Srtp is null ? null : new byte[UdpTransport.MaxDatagram];
        _one = new float[MaxRenderFrames * format.Channels];
    }

    public AudioFormat Format { get; }

    /// <summary>
    /// What an earlier run of this half (a restarted worker process) already counted: published
    /// counters continue from it, so that they describe the call rather than the process.
    /// </summary>
    internal FlowControl.RdpCounters CountersBaseline { get; init; }

    public PipeReader Output => _pipe.Reader;

    public long PacketsMalformed => Interlocked.Read(ref _malformed);

    public long PacketsUnknownPayloadType => Interlocked.Read(ref _unknownPayloadType);

    public long PacketsSsrcConflict => Interlocked.Read(ref _ssrcConflicts);

    public long SsrcCollisions => Interlocked.Read(ref _ssrcCollisions);

    public long PacketsFromRemovedPeers => Interlocked.Read(ref _ignoredPackets);

    /// <summary>Datagrams whose SRTP/SRTCP tag did not verify (wrong key, tampered, forged).</summary>
    public long PacketsFailedAuthentication => Interlocked.Read(ref _authenticationFailures);

    /// <summary>Authentic datagrams seen before (or older than the replay window).</summary>
    public long PacketsReplayed => Interlocked.Read(ref _replayed);

    /// <summary>Datagrams from an address that is none of the call's peers.</summary>
    public long PacketsFromUnknownSources => Interlocked.Read(ref _unknownSources);

    /// <summary>Packets of a new, unauthenticated SSRC dropped while it proves itself with consecutive sequence numbers (RFC 3550 appendix A.1).</summary>
    public long PacketsInProbation => Interlocked.Read(ref _inProbation);

    /// <summary>RTCP packets (compound datagrams) taken in.</summary>
    public long RtcpPacketsReceived => Interlocked.Read(ref _rtcpReceived);

    public long SendersLeft => Interlocked.Read(ref _sendersLeft);

    /// <summary>Round-trip time from the last receiver report about our stream, microseconds; 0 until known.</summary>
    public long RoundTripMicros => Interlocked.Read(ref _roundTripMicros);

    /// <summary>Fraction of our packets lost, as the last receiver report says, in 1/256.</summary>
    public long RemoteFractionLost => Interlocked.Read(ref _remoteFractionLost);

    /// <summary>Receiver report blocks about our stream received so far.</summary>
    public long ReportsReceived => Interlocked.Read(ref _reportsReceived);

    public void Start(IAudioSink? sink)
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
        _reportThread = new Thread(ReportLoop) { IsBackground = true, Name = "InterCom reports" };
        _reportThread.Start();
        if (sink is IRenderedSink rendered)
        {
            if (AudioCodecFactory.DecodesWithoutAllocating(_codec))
            {
                // The device's callback pulls each period from the jitter buffers: nothing is queued
                // between them and the device.
                _pipe.Writer.Complete();
                rendered.Attach(this);
                PipelineLog.PlaybackPulled(_logger);
                return;
            }

            PipelineLog.PlaybackPushed(_logger); // the callback must not allocate: a thread decodes into the device's ring
        }

        int frameLength = _codec.FrameSamples * Format.Channels;
        if (sink is not null)
        {
            CancellationToken token = _stop.Token;
            // Started here, not on the thread pool: frames reach the sink inline on the playout thread.
            _sinkTask = PcmPipe.ConsumeFramesAsync(_pipe.Reader, new float[frameLength], frame => WriteToSink(sink, frame, token));
        }

        bool paced = sink is null || !sink.IsRealTime;
        _playoutThread = new Thread(() => PlayoutLoop(frameLength, paced)) { IsBackground = true, Name = "InterCom playout", Priority = ThreadPriority.AboveNormal };
        _playoutThread.Start();
    }

    /// <summary>Times the sink refused a write; after the first the call goes on without it (frames are dropped).</summary>
    public long OutputFailures => Interlocked.Read(ref _outputFailures);

    private long _outputFailures;

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
            foreach (JitterBuffer sender in Volatile.Read(ref _senders))
            {
                sender.Read(one);
                AudioMixer.Accumulate(mix, one, sender.Gain);
            }

            AudioMixer.SoftClip(mix);
        }
    }

    /// <summary>Senders that left (final counters, at most the last 64), then current senders, each in order of arrival.</summary>
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

    /// <summary>Stops playing <paramref name="address"/> and ignores its packets until <see cref="Readmit"/>.</summary>
    internal void Forget(SocketAddress address)
    {
        lock (_sendersGate)
        {
            Volatile.Write(ref _ignored, [.. _ignored.Where(a => !a.Equals(address)), address]);
        }

        foreach (JitterBuffer sender in Volatile.Read(ref _senders))
        {
            if (address.Equals(sender.Source))
            {
                RemoveSender(sender, "removed by the application");
            }
        }
    }

    internal void Readmit(SocketAddress address)
    {
        lock (_sendersGate)
        {
            Volatile.Write(ref _ignored, [.. _ignored.Where(a => !a.Equals(address))]);
        }
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

        _reportThread?.Join();

        try
        {
            await _sinkTask.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            PipelineLog.PlaybackFailed(_logger, e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _sink?.Dispose();
        foreach (JitterBuffer sender in Volatile.Read(ref _senders))
        {
            sender.Dispose();
        }

        _stop.Dispose();
    }

    /// <summary>Receive thread: parse, find the sender's buffer, place the packet. Never throws.</summary>
    public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        try
        {
            if (IsIgnored(from))
            {
                Interlocked.Increment(ref _ignoredPackets);
                return;
            }

            if (_options.IsPeerAddress is { } isPeer && !isPeer(from))
            {
                Interlocked.Increment(ref _unknownSources);
                return;
            }

            bool authenticated = false;
            if (_options.Srtp is { } srtp)
            {
                SrtpResult result = RtpHeader.IsRtcp(datagram)
                    ? srtp.UnprotectRtcp(datagram, _plain, out int plainLength)
                    : srtp.UnprotectRtp(datagram, _plain, out plainLength);
                switch (result)
                {
                    case SrtpResult.Ok:
                        datagram = _plain.AsSpan(0, plainLength);
                        authenticated = true;
                        break;
                    case SrtpResult.Authentication:
                        Interlocked.Increment(ref _authenticationFailures);
                        return;
                    case SrtpResult.Replay:
                        Interlocked.Increment(ref _replayed);
                        return;
                    default:
                        Interlocked.Increment(ref _malformed);
                        return;
                }
            }

            if (RtpHeader.IsRtcp(datagram))
            {
                OnRtcp(datagram, from);
                return;
            }

            if (!RtpHeader.TryParse(datagram, out RtpHeader header, out int offset, out int length))
            {
                Interlocked.Increment(ref _malformed);
                return;
            }

            if (header.Ssrc == _options.OwnSsrc())
            {
                if (!_options.IsOwnAddress(from))
                {
                    // RFC 3550 section 8.2: another source uses our SSRC. We change ours (and say BYE for the old).
                    Interlocked.Increment(ref _ssrcCollisions);
                    _options.OnSsrcCollision();
                }

                return; // our own packets looped back, or a colliding source: never played
            }

            AudioCodec codec;
            if (header.PayloadType == _codec.OpusPayloadType)
            {
                codec = AudioCodec.Opus;
            }
            else if (header.PayloadType == _codec.PcmPayloadType)
            {
                codec = AudioCodec.Pcm;
            }
            else
            {
                Interlocked.Increment(ref _unknownPayloadType);
                return;
            }

            if (!_bySsrc.TryGetValue(header.Ssrc, out JitterBuffer? sender))
            {
                if (!authenticated && !PassesProbation(header))
                {
                    Interlocked.Increment(ref _inProbation);
                    return;
                }

                sender = AddSender(header.Ssrc, codec, from);
            }
            else if (!from.Equals(sender.Source))
            {
                // Two transport addresses for one SSRC: a collision between others, or a loop. Keep the first.
                Interlocked.Increment(ref _ssrcConflicts);
                return;
            }

            if (sender.Codec != codec || !sender.Insert(header, datagram.Slice(offset, length)))
            {
                Interlocked.Increment(ref _malformed);
            }
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _malformed);
            PipelineLog.DatagramFailed(_logger, e);
        }
    }

    /// <summary>
    /// RFC 3550 appendix A.1: a new source that is not authenticated is taken only once it has sent
    /// <see cref="MinSequential"/> packets with consecutive sequence numbers, so that stray or random
    /// datagrams never start a stream. The packets before are dropped (one frame at a stream's start).
    /// </summary>
    private bool PassesProbation(RtpHeader header)
    {
        if (_probation.TryGetValue(header.Ssrc, out (ushort Sequence, int Count) probation) && (ushort)(probation.Sequence + 1) == header.SequenceNumber)
        {
            if (probation.Count + 1 >= MinSequential)
            {
                _probation.Remove(header.Ssrc);
                return true;
            }

            _probation[header.Ssrc] = (header.SequenceNumber, probation.Count + 1);
            return false;
        }

        if (_probation.Count >= MaxProbation)
        {
            _probation.Clear(); // a flood of made-up SSRCs: forget them all rather than grow
        }

        _probation[header.Ssrc] = (header.SequenceNumber, 1);
        return false;
    }

    /// <summary>Whether <paramref name="from"/> is a removed peer. A plain loop: no closure allocated per datagram.</summary>
    private bool IsIgnored(SocketAddress from)
    {
        foreach (SocketAddress ignored in Volatile.Read(ref _ignored))
        {
            if (ignored.Equals(from))
            {
                return true;
            }
        }

        return false;
    }

    private void OnRtcp(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        var reader = new RtcpCompoundReader(datagram);
        uint arrival = NtpTime.Compact(NtpTime.Now());
        while (reader.TryReadNext(out RtcpPacket packet))
        {
            if (packet.Type is RtcpPacketType.SenderReport or RtcpPacketType.ReceiverReport)
            {
                OnReport(packet, from, arrival);
                continue;
            }

            if (packet.Type != RtcpPacketType.Goodbye)
            {
                continue;
            }

            for (int i = 0; i < packet.Count; i++)
            {
                // Only the address a stream comes from may end it: a BYE is no way for others to silence it.
                if (_bySsrc.TryGetValue(packet.GetByeSsrc(i), out JitterBuffer? sender) && from.Equals(sender.Source))
                {
                    RemoveSender(sender, "BYE");
                }
            }
        }

        // Each datagram is counted once: taken in, or malformed (what came before the fault was used).
        Interlocked.Increment(ref reader.IsMalformed ? ref _malformed : ref _rtcpReceived);
    }

    /// <summary>An SR or RR: note a sender's SR for our next report block; take what it reports about our stream.</summary>
    private void OnReport(RtcpPacket packet, SocketAddress from, uint arrival)
    {
        if (packet.Type == RtcpPacketType.SenderReport && _bySsrc.TryGetValue(packet.Ssrc, out JitterBuffer? sender) && from.Equals(sender.Source))
        {
            sender.OnSenderReport(packet.SenderInfo.CompactNtp, _time.GetTimestamp());
        }

        uint own = _options.OwnSsrc();
        for (int i = 0; i < packet.Count; i++)
        {
            RtcpReportBlock block = packet.GetReportBlock(i);
            if (block.Ssrc != own)
            {
                continue;
            }

            if (NtpTime.RoundTripMicros(arrival, block.LastSenderReport, block.DelaySinceLastSenderReport) is { } rtt)
            {
                Interlocked.Exchange(ref _roundTripMicros, rtt);
            }

            Interlocked.Exchange(ref _remoteFractionLost, block.FractionLost);
            Interlocked.Exchange(ref _remoteJitterMicros, block.Jitter * 1_000_000L / AudioFormat.CallSampleRate);
            Interlocked.Increment(ref _reportsReceived);
        }
    }

    /// <summary>
    /// Until stopped: a heartbeat every 100 ms (a host tells a hung worker by it), and once a second the
    /// senders silent past the timeout dropped, then <see cref="Report"/>.
    /// </summary>
    private void ReportLoop()
    {
        const int BeatsPerReport = 10;
        try
        {
            int beats = 0;
            while (!_stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100)))
            {
                _options.Counters?.Beat(Hosting.WorkerRole.Rdp);
                if (++beats % BeatsPerReport != 0)
                {
                    continue;
                }

                RemoveSilentSenders();
                Report();
            }
        }
        catch (Exception e)
        {
            PipelineLog.ReportsFailed(_logger, e);
        }
    }

    /// <summary>An RR about every sender to the peers, and our counters.</summary>
    private void Report()
    {
        JitterBuffer[] senders = Volatile.Read(ref _senders);
        long now = _time.GetTimestamp();
        int count = Math.Min(senders.Length, _blocks.Length);
        for (int i = 0; i < count; i++)
        {
            _blocks[i] = senders[i].TakeReportBlock(now);
        }

        if (_options.SendReport is { } send && count > 0)
        {
            int length = RtcpWriter.WriteReceiverReport(_report, (_options.ReportSsrc ?? _options.OwnSsrc)(), _blocks.AsSpan(0, count));
            send(_report.AsSpan(0, length));
        }

        if (_options.Counters is { } counters)
        {
            ReceiveTotals t = ReceiveTotals.Of(GetPeerStatistics()); // senders that left count too: the counters only grow
            FlowControl.RdpCounters b = CountersBaseline;
            counters.Publish(new FlowControl.RdpCounters(
                Environment.TickCount64, Environment.ProcessId, b.PacketsReceived + t.PacketsReceived, b.BytesReceived + t.BytesReceived,
                b.PacketsLost + t.PacketsLost, b.PacketsLate + t.PacketsLate, b.FramesConcealed + t.FramesConcealed,
                (long)(t.JitterMs * 1000), (long)(t.PlayoutDelayMs * 1000),
                RoundTripMicros, RemoteFractionLost, Interlocked.Read(ref _remoteJitterMicros), b.ReportsReceived + ReportsReceived));
        }
    }

    private JitterBuffer AddSender(uint ssrc, AudioCodec codec, SocketAddress from)
    {
        IPEndPoint endPoint = UdpTransport.EndPointOf(from);

        var source = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span.CopyTo(source.Buffer.Span);
        var sender = new JitterBuffer(ssrc, endPoint, AudioCodecFactory.CreateDecoder(codec, Format, _codec.OpusLibrary), _jitterOptions, _codec.FrameSamples, source, _time);
        sender.Gain = GainFor(endPoint);
        lock (_sendersGate)
        {
            _bySsrc[ssrc] = sender;
            Volatile.Write(ref _senders, [.. _senders, sender]);
        }

        PipelineLog.NewSender(_logger, ssrc, endPoint, codec);
        return sender;
    }

    private void RemoveSender(JitterBuffer sender, string reason)
    {
        lock (_sendersGate)
        {
            if (!_bySsrc.TryRemove(new KeyValuePair<uint, JitterBuffer>(sender.Ssrc, sender)))
            {
                return;
            }

            Volatile.Write(ref _senders, [.. _senders.Where(s => s != sender)]);
            PeerStatistics final = sender.GetStatistics() with { HasLeft = true };
            Volatile.Write(ref _departed, [.. _departed.Skip(Math.Max(0, _departed.Length + 1 - MaxDeparted)), final]);
        }

        Interlocked.Increment(ref _sendersLeft);
        sender.Dispose(); // decoder and slots released; a thread still holding it only gets silence
        PipelineLog.SenderLeft(_logger, sender.Ssrc, sender.EndPoint, reason);
    }

    private float GainFor(IPEndPoint endPoint)
        => _muted.TryGetValue(endPoint, out bool muted) && muted ? 0f : _gains.TryGetValue(endPoint, out float gain) ? gain : 1f;

    private void ApplyMix(IPEndPoint peer)
    {
        foreach (JitterBuffer sender in Volatile.Read(ref _senders))
        {
            if (sender.EndPoint.Equals(peer))
            {
                sender.Gain = GainFor(peer);
            }
        }
    }

    private void RemoveSilentSenders()
    {
        long now = _time.GetTimestamp();
        long limit = (long)(_options.PeerTimeout.TotalSeconds * _time.TimestampFrequency);
        foreach (JitterBuffer sender in Volatile.Read(ref _senders))
        {
            if (now - sender.LastArrivalTicks > limit)
            {
                RemoveSender(sender, "silent past the timeout");
            }
        }
    }

    /// <summary>Once per frame (by the wall clock, or as fast as a real-time sink takes it): the mix into <see cref="Output"/>.</summary>
    private void PlayoutLoop(int frameLength, bool paced)
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
                if (!PcmPipe.WriteFrame(_pipe.Writer, mix))
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            error = e;
            PipelineLog.PlaybackFailed(_logger, e);
        }
        finally
        {
            _pipe.Writer.Complete(error);
            _playoutEnded.TrySetResult();
        }
    }
}
