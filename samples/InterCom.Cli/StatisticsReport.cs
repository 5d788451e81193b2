using System.Globalization;
using System.Text;
using System.Text.Json;
using InterCom.Core.Devices;
using InterCom.Core.Diagnostics;
using InterCom.Core.FlowControl;

namespace InterCom.Cli;

/// <summary>The --stats-json document and the once-a-second status line.</summary>
internal static class StatisticsReport
{
    /// <summary>Writes the statistics JSON to <paramref name="path"/> atomically (a temp file renamed over it).</summary>
    public static void WriteJson(string path, SessionStatistics stats, DeviceReport device) => WriteAtomically(path, json => Write(json, stats, device));

    /// <summary>
    /// The document of a call run as two processes (<c>--processes</c>): what the shared counters hold
    /// (the workers' per-peer details and rejection counts stay in the workers), and the processes.
    /// </summary>
    public static void WriteJson(string path, ProcessHostReport report) => WriteAtomically(path, json => Write(json, report));

    private static void WriteAtomically(string path, Action<Utf8JsonWriter> write)
    {
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp";
        using (var stream = File.Create(temp))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            write(json);
        }

        File.Move(temp, full, overwrite: true);
    }

    public static string ToJson(SessionStatistics stats, DeviceReport device)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            Write(json, stats, device);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
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

    private static void Write(Utf8JsonWriter json, SessionStatistics stats, DeviceReport device)
    {
        json.WriteStartObject();
        json.WriteNumber("durationSeconds", Math.Round(stats.Duration.TotalSeconds, 3));
        json.WriteStartObject("sent");
        json.WriteNumber("packets", stats.PacketsSent);
        json.WriteNumber("bytes", stats.BytesSent);
        json.WriteNumber("errors", stats.SendErrors);
        json.WriteEndObject();
        json.WriteStartObject("packetsRejected");
        json.WriteNumber("malformed", stats.PacketsMalformed);
        json.WriteNumber("unknownPayloadType", stats.PacketsUnknownPayloadType);
        json.WriteNumber("ssrcConflict", stats.PacketsSsrcConflict);
        json.WriteNumber("removedPeer", stats.PacketsFromRemovedPeers);
        json.WriteNumber("authentication", stats.PacketsFailedAuthentication);
        json.WriteNumber("replay", stats.PacketsReplayed);
        json.WriteNumber("unknownSource", stats.PacketsFromUnknownSources);
        json.WriteNumber("probation", stats.PacketsInProbation);
        json.WriteEndObject();
        json.WriteBoolean("encrypted", stats.Encrypted);
        json.WriteNumber("rtcpReceived", stats.RtcpPacketsReceived);
        WriteFlowControl(json, stats.RoundTripMs, stats.RemoteLossPercent, stats.TargetBitrate, stats.FecEnabled);
        WriteReceived(json, stats.Received);
        json.WriteNumber("ssrcCollisions", stats.SsrcCollisions);
        json.WriteNumber("peersLeft", stats.PeersLeft);
        WriteDevice(json, device);
        json.WriteNumber("outputFailures", stats.OutputFailures);
        WriteProcess(json);
        json.WriteStartArray("peers");
        foreach (PeerStatistics peer in stats.Peers)
        {
            json.WriteStartObject();
            json.WriteString("endpoint", peer.EndPoint.ToString());
            json.WriteNumber("ssrc", peer.Ssrc);
            json.WriteNumber("packetsReceived", peer.PacketsReceived);
            json.WriteNumber("bytesReceived", peer.BytesReceived);
            json.WriteNumber("packetsLost", peer.PacketsLost);
            json.WriteNumber("packetsLate", peer.PacketsLate);
            json.WriteNumber("packetsDuplicate", peer.PacketsDuplicate);
            json.WriteNumber("framesConcealed", peer.FramesConcealed);
            json.WriteNumber("framesRecovered", peer.FramesRecovered);
            json.WriteNumber("framesDiscarded", peer.FramesDiscarded);
            json.WriteNumber("jitterMs", Math.Round(peer.JitterMs, 3));
            json.WriteNumber("playoutDelayMs", Math.Round(peer.PlayoutDelayMs, 1));
            json.WriteNumber("targetDelayMs", Math.Round(peer.TargetDelayMs, 1));
            json.WriteNumber("framesPlayed", peer.FramesPlayed);
            json.WriteNumber("expandedMs", Math.Round(peer.ExpandedMs, 1));
            json.WriteNumber("shortenedMs", Math.Round(peer.ShortenedMs, 1));
            json.WriteBoolean("left", peer.HasLeft);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter json, ProcessHostReport report)
    {
        CesCounters c = report.Counters.Ces;
        RdpCounters r = report.Counters.Rdp;
        json.WriteStartObject();
        json.WriteNumber("durationSeconds", Math.Round(report.Duration.TotalSeconds, 3));
        json.WriteStartObject("sent");
        json.WriteNumber("packets", c.PacketsSent);
        json.WriteNumber("bytes", c.BytesSent);
        json.WriteEndObject();
        WriteReceived(json, new ReceiveTotals(r.PacketsReceived, r.BytesReceived, r.PacketsLost, r.PacketsLate, r.FramesConcealed, r.JitterMicros / 1000.0, r.PlayoutDelayMicros / 1000.0));
        WriteFlowControl(json, r.RoundTripMicros / 1000.0, r.RemoteFractionLost * 100 / 256.0, c.TargetBitrate, c.FecEnabled);
        json.WriteStartObject("processes");
        json.WriteNumber("senderPid", report.SenderPid);
        json.WriteNumber("receiverPid", report.ReceiverPid);
        json.WriteNumber("senderRestarts", report.SenderRestarts);
        json.WriteNumber("receiverRestarts", report.ReceiverRestarts);
        json.WriteNumber("senderHung", report.SenderHangs);
        json.WriteNumber("receiverHung", report.ReceiverHangs);
        json.WriteEndObject();
        WriteDevice(json, report.Device);
        json.WriteEndObject();
    }

    private static void WriteDevice(Utf8JsonWriter json, DeviceReport device)
    {
        json.WriteStartObject("device");
        json.WriteString("state", device.StateName);
        json.WriteNumber("lost", device.Lost);
        json.WriteNumber("reopened", device.Reopened);
        json.WriteEndObject();
    }

    /// <summary>What this process spent: CPU time, garbage collections and allocation since it started (the call is most of it).</summary>
    private static void WriteProcess(Utf8JsonWriter json)
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        json.WriteStartObject("process");
        json.WriteNumber("cpuSeconds", Math.Round(self.TotalProcessorTime.TotalSeconds, 3));
        json.WriteNumber("wallSeconds", Math.Round((DateTime.Now - self.StartTime).TotalSeconds, 3));
        json.WriteNumber("gen0Collections", GC.CollectionCount(0));
        json.WriteNumber("gen1Collections", GC.CollectionCount(1));
        json.WriteNumber("gen2Collections", GC.CollectionCount(2));
        json.WriteNumber("allocatedBytes", GC.GetTotalAllocatedBytes());
        json.WriteEndObject();
    }

    private static void WriteFlowControl(Utf8JsonWriter json, double roundTripMs, double remoteLossPercent, long targetBitrate, bool fec)
    {
        json.WriteStartObject("flowControl");
        json.WriteNumber("roundTripMs", Math.Round(roundTripMs, 2));
        json.WriteNumber("remoteLossPercent", Math.Round(remoteLossPercent, 1));
        json.WriteNumber("targetBitrate", targetBitrate);
        json.WriteBoolean("fec", fec);
        json.WriteEndObject();
    }

    /// <summary>What was received, over every sender (jitter and delay: the largest of the current senders).</summary>
    private static void WriteReceived(Utf8JsonWriter json, ReceiveTotals r)
    {
        json.WriteStartObject("received");
        json.WriteNumber("packets", r.PacketsReceived);
        json.WriteNumber("bytes", r.BytesReceived);
        json.WriteNumber("lost", r.PacketsLost);
        json.WriteNumber("late", r.PacketsLate);
        json.WriteNumber("concealed", r.FramesConcealed);
        json.WriteNumber("jitterMs", Math.Round(r.JitterMs, 3));
        json.WriteNumber("playoutDelayMs", Math.Round(r.PlayoutDelayMs, 1));
        json.WriteEndObject();
    }
}

/// <summary>The final figures of a call run with <c>--processes</c>.</summary>
internal sealed record ProcessHostReport(
    TimeSpan Duration, FlowControlSnapshot Counters, int SenderPid, int ReceiverPid, int SenderRestarts, int ReceiverRestarts, int SenderHangs, int ReceiverHangs, DeviceReport Device);
