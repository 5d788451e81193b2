using System.Text.Json.Serialization;

namespace InterCom.Cli;

/// <summary>The JSON the command writes, serialized by System.Text.Json's source generator; names and order are what scripts read.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CallDocument))]
[JsonSerializable(typeof(ProcessesCallDocument))]
[JsonSerializable(typeof(LatencyDocument))]
internal sealed partial class CliJson : JsonSerializerContext;

/// <summary><c>call --stats-json</c> of a call in one process.</summary>
internal sealed record CallDocument(
    double DurationSeconds, SentDocument Sent, RejectedDocument PacketsRejected, bool Encrypted, long RtcpReceived, FlowControlDocument FlowControl,
    ReceivedDocument Received, long SsrcCollisions, long PeersLeft, DeviceDocument Device, long OutputFailures, ProcessDocument Process,
    IReadOnlyList<PeerDocument> Peers, VideoDocument? Video = null);

/// <summary>The video of a call with <c>--video</c> or <c>--video-out</c>; glass-to-glass only for stamped (testsrc) frames, A/V sync once both streams' sender reports are in.</summary>
internal sealed record VideoDocument(
    long FramesSent, long KeyframesSent, long TargetBitrate, long PacketsRetransmitted, long FramesReceived, long FramesDecoded, long FramesDropped,
    long KeyframesRequested, long NacksSent, long PacketsRecovered, double FreezeMs, double LongestFreezeMs, double DecodeMs, GlassToGlassDocument? GlassToGlassMs,
    long FramesOutOfOrder, double? AvSyncMs);

internal sealed record GlassToGlassDocument(double P50, double P95);

/// <summary><c>call --processes --stats-json</c>: what the shared counters hold, and the processes.</summary>
internal sealed record ProcessesCallDocument(
    double DurationSeconds, SentDocument Sent, ReceivedDocument Received, FlowControlDocument FlowControl, ProcessesDocument Processes, DeviceDocument Device);

/// <param name="Errors">Sends the OS refused; not known to a call in two processes (left out).</param>
/// <param name="FramesSuppressed">Frames not sent because the input was silent (--dtx on).</param>
internal sealed record SentDocument(long Packets, long Bytes, long FramesSuppressed, long? Errors = null);

internal sealed record RejectedDocument(
    long Malformed, long UnknownPayloadType, long SsrcConflict, long RemovedPeer, long Authentication, long Replay, long UnknownSource, long Probation);

internal sealed record FlowControlDocument(double RoundTripMs, double RemoteLossPercent, long TargetBitrate, bool Fec);

internal sealed record ReceivedDocument(long Packets, long Bytes, long Lost, long Late, long Concealed, double JitterMs, double PlayoutDelayMs);

/// <param name="ResamplingMs">What resampling a device that does not run at 48 kHz adds, capture and playback together (0: none); left out with --processes.</param>
internal sealed record DeviceDocument(string State, long Lost, long Reopened, double? ResamplingMs);

internal sealed record ProcessDocument(double CpuSeconds, double WallSeconds, int Gen0Collections, int Gen1Collections, int Gen2Collections, long AllocatedBytes);

internal sealed record ProcessesDocument(int SenderPid, int ReceiverPid, int SenderRestarts, int ReceiverRestarts, int SenderHung, int ReceiverHung);

internal sealed record PeerDocument(
    string Endpoint, uint Ssrc, long PacketsReceived, long BytesReceived, long PacketsLost, long PacketsLate, long PacketsDuplicate, long FramesConcealed,
    long FramesRecovered, long FramesDiscarded, double JitterMs, double PlayoutDelayMs, double TargetDelayMs, long FramesPlayed, double ExpandedMs,
    double ShortenedMs, double ComfortNoiseMs, bool Left);

/// <summary><c>latency --json</c>.</summary>
internal sealed record LatencyDocument(int PeriodFrames, double LoopMs, double CallMs, double BeyondLoopMs, IReadOnlyList<double> BurstsMs, IReadOnlyDictionary<string, double> BudgetMs);
