using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Diagnostics;
using InterCom.Core.Jitter;
using InterCom.Core.Mixing;
using InterCom.Core.Rtp;
using InterCom.Core.Transport;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Pipelines;

/// <summary>The receiving half: datagrams → per-sender jitter buffers → mix → <see cref="Output"/> pipe → sink.</summary>
internal sealed class ReceiveDecodePlay : IReceiveDecodePlay, IDatagramReceiver
{
    private static readonly double s_samplesPerTick = (double)AudioFormat.CallSampleRate / Stopwatch.Frequency;
    private readonly CodecOptions _codec;
    private readonly JitterBufferOptions _jitterOptions;
    private readonly Func<uint> _ownSsrc;
    private readonly ILogger _logger;
    private readonly Pipe _pipe;
    private readonly Dictionary<uint, JitterBuffer> _bySsrc = [];   // receive thread only
    private readonly CancellationTokenSource _stop = new();
    private JitterBuffer[] _senders = [];                          // published to the playout thread
    private IAudioSink? _sink;
    private Thread? _playoutThread;
    private Task _sinkTask = Task.CompletedTask;
    private long _malformed;
    private long _unknownPayloadType;
    private int _started;

    public ReceiveDecodePlay(AudioFormat format, CodecOptions codec, JitterBufferOptions jitter, Func<uint> ownSsrc, ILogger logger)
    {
        Format = format;
        _codec = codec;
        _jitterOptions = jitter;
        _ownSsrc = ownSsrc;
        _logger = logger;
        _pipe = PcmPipe.Create(codec.FrameSamples * format.Channels * sizeof(float));
    }

    public AudioFormat Format { get; }

    public PipeReader Output => _pipe.Reader;

    public long PacketsMalformed => Interlocked.Read(ref _malformed);

    public long PacketsUnknownPayloadType => Interlocked.Read(ref _unknownPayloadType);

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

        int frameLength = _codec.FrameSamples * Format.Channels;
        if (sink is not null)
        {
            _sink = sink;
            CancellationToken token = _stop.Token;
            _sinkTask = Task.Run(() => PcmPipe.ConsumeFramesAsync(_pipe.Reader, new float[frameLength], frame => sink.Write(frame, token)));
        }

        bool paced = sink is null || !sink.IsRealTime;
        _playoutThread = new Thread(() => PlayoutLoop(frameLength, paced)) { IsBackground = true, Name = "InterCom playout", Priority = ThreadPriority.AboveNormal };
        _playoutThread.Start();
    }

    public IReadOnlyList<PeerStatistics> GetPeerStatistics()
        => Array.ConvertAll(Volatile.Read(ref _senders), s => s.GetStatistics());

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_playoutThread is not null)
        {
            await Task.Run(() => _playoutThread.Join()).ConfigureAwait(false);
        }

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
            if (RtpHeader.IsRtcp(datagram))
            {
                return; // RTCP is multiplexed on this port (RFC 5761); not interpreted yet
            }

            if (!RtpHeader.TryParse(datagram, out RtpHeader header, out int offset, out int length))
            {
                Interlocked.Increment(ref _malformed);
                return;
            }

            if (header.Ssrc == _ownSsrc())
            {
                return; // our own packets looped back
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
                sender = AddSender(header.Ssrc, codec, from);
            }

            long arrival = (long)(Stopwatch.GetTimestamp() * s_samplesPerTick);
            if (sender.Codec != codec || !sender.Insert(header, datagram.Slice(offset, length), arrival))
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

    private JitterBuffer AddSender(uint ssrc, AudioCodec codec, SocketAddress from)
    {
        IPAddress any = from.Family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        var endPoint = (IPEndPoint)new IPEndPoint(any, 0).Create(from);
        if (endPoint.Address.IsIPv4MappedToIPv6)
        {
            endPoint = new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port);
        }

        var sender = new JitterBuffer(ssrc, endPoint, AudioCodecFactory.CreateDecoder(codec, Format), _jitterOptions, _codec.FrameSamples);
        _bySsrc.Add(ssrc, sender);
        Volatile.Write(ref _senders, [.. _senders, sender]);
        PipelineLog.NewSender(_logger, ssrc, endPoint, codec);
        return sender;
    }

    private void PlayoutLoop(int frameLength, bool paced)
    {
        var mix = new float[frameLength];
        var one = new float[frameLength];
        FramePacer? pacer = paced ? new FramePacer(_codec.FrameDuration, catchUp: true) : null;
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

                Array.Clear(mix);
                foreach (JitterBuffer sender in Volatile.Read(ref _senders))
                {
                    sender.Read(one);
                    AudioMixer.Accumulate(mix, one);
                }

                AudioMixer.Clamp(mix);
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
        }
    }
}
