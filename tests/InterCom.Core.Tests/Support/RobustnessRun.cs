using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Diagnostics;
using InterCom.Core.Hosting;
using InterCom.Core.Jitter;
using InterCom.Core.Testing;

namespace InterCom.Core.Tests;

/// <summary>A network profile of docs/robustness.md: a name and what the relay does.</summary>
/// <param name="Name">As the table names it.</param>
/// <param name="Impairment">The relay's treatment of the traffic, both ways.</param>
public sealed record RobustnessProfile(string Name, NetworkImpairment Impairment)
{
    /// <summary>The profiles of issue 5, in the table's order, each with its own seed.</summary>
    public static readonly IReadOnlyList<RobustnessProfile> All =
    [
        new("clean", new NetworkImpairment()),
        new("5% random loss", new NetworkImpairment { LossPercent = 5, Seed = 11 }),
        new("20% random loss", new NetworkImpairment { LossPercent = 20, Seed = 12 }),
        new("bursts of 3 (6% loss)", new NetworkImpairment { LossPercent = 6, BurstLength = 3, Seed = 13 }),
        new("10% reorder", new NetworkImpairment { ReorderPercent = 10, Seed = 14 }),
        new("5% duplication", new NetworkImpairment { DuplicatePercent = 5, Seed = 15 }),
        new("40 ms ± 20 ms jitter", new NetworkImpairment { Delay = TimeSpan.FromMilliseconds(40), Jitter = TimeSpan.FromMilliseconds(20), Seed = 16 }),
        new("200 ppm drift", new NetworkImpairment { DriftPpm = 200, Seed = 17 }),
    ];

    public static RobustnessProfile Named(string name) => All.Single(p => p.Name == name);
}

/// <summary>What one run measured at the receiving end.</summary>
/// <param name="ConcealedPercent">Frames concealed, of all frames the buffer produced.</param>
/// <param name="LatePercent">Packets that came after their playout time, of those received.</param>
/// <param name="MeanDelayMs">Mean playout delay (audio queued ahead of the playout point), sampled every 50 ms.</param>
/// <param name="P95DelayMs">Its 95th percentile.</param>
/// <param name="SegmentalSnrDb">The received tone's segmental SNR (<see cref="ToneMeter.SegmentalSnr"/>).</param>
/// <param name="Peer">The receiver's final statistics about the sender.</param>
/// <param name="Timeline">Seconds since the start, playout delay and target (ms), every 50 ms.</param>
/// <param name="Settled">The receiver's statistics about the sender after the first two seconds (what the figures above start from).</param>
/// <param name="Sender">The sender's final statistics (its rate control: bitrate, FEC).</param>
/// <param name="Heard">All the receiver played, from its start.</param>
public sealed record RobustnessResult(
    double ConcealedPercent, double LatePercent, double MeanDelayMs, double P95DelayMs, double SegmentalSnrDb, PeerStatistics Peer,
    IReadOnlyList<(double Seconds, double DelayMs, double TargetMs)> Timeline, PeerStatistics Settled, SessionStatistics Sender, float[] Heard);

/// <summary>
/// One direction of a real call through a real <see cref="ImpairedRelay"/> on loopback: session A
/// sends a 400 Hz tone (Opus, 10 ms), or what <c>source</c> makes, to the relay, which forwards to
/// session B, which plays into memory. What B heard and how its buffer behaved after the first two
/// seconds is the result (the tone's SNR is meaningless for another source).
/// </summary>
public static class RobustnessRun
{
    public const double ToneHz = 400;
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs a call for <paramref name="duration"/>; <paramref name="during"/> may change the relay's
    /// impairment while it runs. The quality figure covers the first <paramref name="recordFor"/>
    /// (default: all) of what was heard, so that a long soak's memory is the call's, not the recording's.
    /// </summary>
    public static async Task<RobustnessResult> RunAsync(NetworkImpairment impairment, JitterBufferOptions buffer, TimeSpan duration, Func<ImpairedRelay, TimeSpan, Task>? during = null, TimeSpan? recordFor = null, Func<IAudioSource>? source = null, Codecs.CodecOptions? codec = null)
    {
        TimeSpan recorded = recordFor is { } r && r < duration ? r : duration;
        GC.Collect(); // start clean: a full collection of what earlier tests left is not this call's pause
        GC.WaitForPendingFinalizers();
        var sink = new MemorySink(AudioFormat.Mono48k, (int)((recorded.TotalSeconds + 2) * 48_000));
        await using var receiver = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), JitterBuffer = buffer, Codec = codec ?? new() });
        using var relay = new ImpairedRelay(new IPEndPoint(IPAddress.Loopback, 0), receiver.LocalEndPoint, impairment);
        await using var sender = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Peers = [relay.LocalEndPoint], Codec = codec ?? new() });
        receiver.AddPeer(new IPEndPoint(IPAddress.Loopback, relay.ForwardingPort)); // reports go back through the relay
        receiver.Start(null, sink);
        sender.Start(source?.Invoke() ?? new ToneSource(ToneHz, AudioFormat.Mono48k), null);

        var timeline = new List<(double Seconds, double DelayMs, double TargetMs)>((int)(duration.TotalSeconds * 20) + 100); // never regrown: a soak's memory is the call's
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Task changes = during?.Invoke(relay, duration) ?? Task.CompletedTask;
        int settledAt = 0;
        PeerStatistics? settled = null;
        while (clock.Elapsed < duration)
        {
            await Task.Delay(50);
            if (receiver.GetStatistics().Peers is [var peer, ..])
            {
                timeline.Add((clock.Elapsed.TotalSeconds, peer.PlayoutDelayMs, peer.TargetDelayMs));
                if (settled is null && clock.Elapsed >= s_settle)
                {
                    (settled, settledAt) = (peer, sink.Count);
                }
            }
        }

        await changes;
        PeerStatistics final = receiver.GetStatistics().Peers is [var last] ? last : throw new InvalidOperationException("The receiver did not hear exactly one sender.");
        settled ??= final;
        float[] all = sink.Snapshot(0);
        float[] heard = all[settledAt..];
        double[] delays = [.. timeline.Where(t => t.Seconds >= s_settle.TotalSeconds).Select(t => t.DelayMs).Order()];
        long played = final.FramesPlayed - settled.FramesPlayed;
        long received = final.PacketsReceived - settled.PacketsReceived;
        return new RobustnessResult(
            100.0 * (final.FramesConcealed - settled.FramesConcealed) / Math.Max(1, played),
            100.0 * (final.PacketsLate - settled.PacketsLate) / Math.Max(1, received),
            delays.Length == 0 ? double.NaN : delays.Average(),
            delays.Length == 0 ? double.NaN : delays[(int)(0.95 * (delays.Length - 1))],
            ToneMeter.SegmentalSnr(heard, ToneHz),
            final,
            timeline,
            settled,
            sender.GetStatistics(),
            all);
    }

    /// <summary>A sink with no clock (the session paces playout) that keeps what it gets in memory.</summary>
    private sealed class MemorySink(AudioFormat format, int capacity) : IAudioSink
    {
        private readonly float[] _samples = new float[capacity];
        private int _count;

        public AudioFormat Format => format;

        public bool IsRealTime => false;

        public int Count => Volatile.Read(ref _count);

        public void Write(ReadOnlySpan<float> samples, CancellationToken cancellationToken)
        {
            int n = Math.Min(samples.Length, _samples.Length - _count);
            samples[..n].CopyTo(_samples.AsSpan(_count));
            Volatile.Write(ref _count, _count + n);
        }

        public float[] Snapshot(int from) => _samples[from..Count];

        public void Dispose()
        {
        }
    }
}
