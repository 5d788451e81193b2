using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using InterCom.Core.Devices;
using InterCom.Core.Diagnostics;
using InterCom.Core.FlowControl;

namespace InterCom.Cli;

/// <summary>The --stats-json document and the once-a-second status line.</summary>
internal static class StatisticsReport
{
    /// <summary>Writes the statistics JSON to <paramref name="path"/> atomically (a temp file renamed over it).</summary>
    public static void WriteJson(string path, SessionStatistics stats, DeviceReport device) => WriteAtomically(path, Document(stats, device), CliJson.Default.CallDocument);

    /// <summary>
    /// The document of a call run as two processes (<c>--processes</c>): what the shared counters hold
    /// (the workers' per-peer details and rejection counts stay in the workers), and the processes.
    /// </summary>
    public static void WriteJson(string path, ProcessHostReport report) => WriteAtomically(path, Document(report), CliJson.Default.ProcessesCallDocument);

    public static string ToJson(SessionStatistics stats, DeviceReport device) => JsonSerializer.Serialize(Document(stats, device), CliJson.Default.CallDocument);

    private static void WriteAtomically<T>(string path, T document, JsonTypeInfo<T> type)
    {
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp";
        using (var stream = File.Create(temp))
        {
            JsonSerializer.Serialize(stream, document, type);
        }

        File.Move(temp, full, overwrite: true);
    }

    /// <summary>The once-a-second line; it ends with the device's state while the device is lost or failed.</summary>
    public static string StatusLine(SessionStatistics now, SessionStatistics? before, DeviceReport? device)
    {
        double seconds = before is null ? now.Duration.TotalSeconds : (now.Duration - before.Duration).TotalSeconds;
        seconds = Math.Max(seconds, 1e-3);
        long bytesOut = now.BytesSent - (before?.BytesSent ?? 0);
        ReceiveTotals received = now.Received;
        long bytesIn = received.BytesReceived - (before?.Received.BytesReceived ?? 0);
        long all = received.PacketsReceived + received.PacketsLost;
        double lossPercent = all == 0 ? 0 : 100.0 * received.PacketsLost / all;
        int active = now.Peers.Count(p => !p.HasLeft);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"[{now.Duration.TotalSeconds,5:F0}s] out {bytesOut * 8 / seconds / 1000,6:F1} kb/s  in {bytesIn * 8 / seconds / 1000,6:F1} kb/s  loss {lossPercent,4:F1}%  jitter {received.JitterMs,5:F1} ms  delay {received.PlayoutDelayMs,5:F0} ms  rtt {now.RoundTripMs,5:F1} ms  peers {active}{DeviceSuffix(device)}");
    }

    /// <summary>Nothing while the device runs (or there is none); "  device lost" / "  device failed" otherwise.</summary>
    public static string DeviceSuffix(DeviceReport? device)
        => device is null || device.State is AudioDeviceState.None or AudioDeviceState.Running or AudioDeviceState.Closed ? string.Empty : $"  device {device.StateName}";

    private static CallDocument Document(SessionStatistics stats, DeviceReport device) => new(
        Math.Round(stats.Duration.TotalSeconds, 3),
        new SentDocument(stats.PacketsSent, stats.BytesSent, stats.FramesSuppressed, stats.SendErrors),
        new RejectedDocument(
            stats.PacketsMalformed, stats.PacketsUnknownPayloadType, stats.PacketsSsrcConflict, stats.PacketsFromRemovedPeers,
            stats.PacketsFailedAuthentication, stats.PacketsReplayed, stats.PacketsFromUnknownSources, stats.PacketsInProbation),
        stats.Encrypted,
        stats.RtcpPacketsReceived,
        FlowControl(stats.RoundTripMs, stats.RemoteLossPercent, stats.TargetBitrate, stats.FecEnabled),
        Received(stats.Received),
        stats.SsrcCollisions,
        stats.PeersLeft,
        Device(device),
        stats.OutputFailures,
        Process(),
        [.. stats.Peers.Select(p => new PeerDocument(
            p.EndPoint.ToString(), p.Ssrc, p.PacketsReceived, p.BytesReceived, p.PacketsLost, p.PacketsLate, p.PacketsDuplicate, p.FramesConcealed,
            p.FramesRecovered, p.FramesDiscarded, Math.Round(p.JitterMs, 3), Math.Round(p.PlayoutDelayMs, 1), Math.Round(p.TargetDelayMs, 1),
            p.FramesPlayed, Math.Round(p.ExpandedMs, 1), Math.Round(p.ShortenedMs, 1), Math.Round(p.ComfortNoiseMs, 1), p.HasLeft))],
        Video(stats.Video));

    private static VideoDocument? Video(VideoStatistics? v) => v is null ? null : new(
        v.FramesSent, v.KeyframesSent, v.TargetBitrate, v.PacketsRetransmitted, v.FramesReceived, v.FramesDecoded, v.FramesDropped,
        v.KeyframesRequested, v.NacksSent, v.PacketsRecovered, v.FreezeMs, v.LongestFreezeMs, v.DecodeMs,
        v.GlassToGlassP50Ms is { } p50 && v.GlassToGlassP95Ms is { } p95 ? new GlassToGlassDocument(p50, p95) : null,
        v.FramesOutOfOrder, v.AvSyncMs is { } sync ? Math.Round(sync, 1) : null);

    private static ProcessesCallDocument Document(ProcessHostReport report)
    {
        CesCounters c = report.Counters.Ces;
        RdpCounters r = report.Counters.Rdp;
        return new(
            Math.Round(report.Duration.TotalSeconds, 3),
            new SentDocument(c.PacketsSent, c.BytesSent, c.FramesSuppressed),
            Received(new ReceiveTotals(r.PacketsReceived, r.BytesReceived, r.PacketsLost, r.PacketsLate, r.FramesConcealed, r.JitterMicros / 1000.0, r.PlayoutDelayMicros / 1000.0)),
            FlowControl(r.RoundTripMicros / 1000.0, r.RemoteFractionLost * 100 / 256.0, c.TargetBitrate, c.FecEnabled),
            new ProcessesDocument(report.SenderPid, report.ReceiverPid, report.SenderRestarts, report.ReceiverRestarts, report.SenderHangs, report.ReceiverHangs),
            Device(report.Device));
    }

    private static DeviceDocument Device(DeviceReport device) => new(device.StateName, device.Lost, device.Reopened, device.ResamplingMs);

    /// <summary>What this process spent: CPU time, garbage collections and allocation since it started (the call is most of it).</summary>
    private static ProcessDocument Process()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return new(
            Math.Round(self.TotalProcessorTime.TotalSeconds, 3), Math.Round((DateTime.Now - self.StartTime).TotalSeconds, 3),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
    }

    private static FlowControlDocument FlowControl(double roundTripMs, double remoteLossPercent, long targetBitrate, bool fec)
        => new(Math.Round(roundTripMs, 2), Math.Round(remoteLossPercent, 1), targetBitrate, fec);

    /// <summary>What was received, over every sender (jitter and delay: the largest of the current senders).</summary>
    private static ReceivedDocument Received(ReceiveTotals r)
        => new(r.PacketsReceived, r.BytesReceived, r.PacketsLost, r.PacketsLate, r.FramesConcealed, Math.Round(r.JitterMs, 3), Math.Round(r.PlayoutDelayMs, 1));
}

/// <summary>The final figures of a call run with <c>--processes</c>.</summary>
internal sealed record ProcessHostReport(
    TimeSpan Duration, FlowControlSnapshot Counters, int SenderPid, int ReceiverPid, int SenderRestarts, int ReceiverRestarts, int SenderHangs, int ReceiverHangs, DeviceReport Device);
