using System.Diagnostics;
using InterCom.Core.Diagnostics;

namespace InterCom.Core.Video;

/// <summary>The receiving side's video counters, written by the render thread, read by statistics; what the test pattern's stamps say about delay and order.</summary>
internal sealed class VideoStatisticsCollector(TimeSpan frameInterval)
{
    private const int Samples = 1024;  // the last ~34 s at 30 fps
    private readonly Lock _gate = new();
    private readonly double[] _glass = new double[Samples];
    private readonly double[] _sorted = new double[Samples];
    private readonly Dictionary<uint, (long Ticks, uint Number)> _last = [];
    private int _glassCount;
    private int _glassNext;
    private long _received;
    private long _decoded;
    private long _dropped;
    private long _keyframesRequested;
    private long _nacksSent;
    private long _outOfOrder;
    private long _sinkFailures;
    private long _recoveredEnded;
    private double _decodeMsTotal;
    private double _freezeMs;
    private double _longestFreezeMs;
    private double _meanIntervalMs = frameInterval.TotalMilliseconds;
    private double _avSyncMs = double.NaN;

    /// <summary>A frame shown <paramref name="skewSeconds"/> later than the audio captured with it plays.</summary>
    public void OnSynced(double skewSeconds)
    {
        lock (_gate)
        {
            double ms = skewSeconds * 1000;
            _avSyncMs = double.IsNaN(_avSyncMs) ? ms : _avSyncMs + ((ms - _avSyncMs) / 16);
        }
    }

    public void OnReceived() => Interlocked.Increment(ref _received);

    public void OnDropped() => Interlocked.Increment(ref _dropped);

    public void OnKeyframeRequested() => Interlocked.Increment(ref _keyframesRequested);

    public void OnNackSent() => Interlocked.Increment(ref _nacksSent);

    public void OnSinkFailed() => Interlocked.Increment(ref _sinkFailures);

    public long SinkFailures => Interlocked.Read(ref _sinkFailures);

    public void OnStreamEnded(VideoFrameBuffer buffer) => Interlocked.Add(ref _recoveredEnded, buffer.Recovered);

    /// <summary>A frame decoded and about to be shown: its decode time, the gap since its sender's last one, and its stamp when it has one.</summary>
    public void OnDecoded(TimeSpan decode, VideoFrame picture, uint ssrc)
    {
        long now = Stopwatch.GetTimestamp();
        bool stamped = FrameStamp.TryRead(picture, out uint number, out uint captureMs);
        lock (_gate)
        {
            _decoded++;
            _decodeMsTotal += decode.TotalMilliseconds;
            if (_last.TryGetValue(ssrc, out (long Ticks, uint Number) last))
            {
                double gapMs = Stopwatch.GetElapsedTime(last.Ticks, now).TotalMilliseconds;
                if (gapMs > Math.Max(3 * _meanIntervalMs, _meanIntervalMs + 150))
                {
                    _freezeMs += gapMs;
                    _longestFreezeMs = Math.Max(_longestFreezeMs, gapMs);
                }
                else
                {
                    _meanIntervalMs += (gapMs - _meanIntervalMs) / 16;
                }

                if (stamped && unchecked((int)(number - last.Number)) <= 0)
                {
                    _outOfOrder++;
                }
            }

            _last[ssrc] = (now, stamped ? number : last.Number);
            if (stamped)
            {
                _glass[_glassNext] = unchecked((int)(FrameStamp.NowMs() - captureMs));
                _glassNext = (_glassNext + 1) % Samples;
                _glassCount = Math.Min(_glassCount + 1, Samples);
            }
        }
    }

    /// <summary>The receiving side's figures, with <paramref name="recoveredLive"/> from the streams still open.</summary>
    public VideoStatistics Snapshot(long recoveredLive)
    {
        lock (_gate)
        {
            double? p50 = null, p95 = null;
            if (_glassCount > 0)
            {
                Span<double> sorted = _sorted.AsSpan(0, _glassCount);
                _glass.AsSpan(0, _glassCount).CopyTo(sorted);
                sorted.Sort();
                p50 = sorted[(int)(0.50 * (_glassCount - 1))];
                p95 = sorted[(int)(0.95 * (_glassCount - 1))];
            }

            return new VideoStatistics
            {
                FramesReceived = _received,
                FramesDecoded = _decoded,
                FramesDropped = _dropped,
                KeyframesRequested = _keyframesRequested,
                NacksSent = _nacksSent,
                PacketsRecovered = _recoveredEnded + recoveredLive,
                FreezeMs = Math.Round(_freezeMs, 1),
                LongestFreezeMs = Math.Round(_longestFreezeMs, 1),
                DecodeMs = _decoded == 0 ? 0 : Math.Round(_decodeMsTotal / _decoded, 3),
                GlassToGlassP50Ms = p50,
                GlassToGlassP95Ms = p95,
                FramesOutOfOrder = _outOfOrder,
                AvSyncMs = double.IsNaN(_avSyncMs) ? null : Math.Round(_avSyncMs, 1),
            };
        }
    }
}
