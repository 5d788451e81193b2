namespace InterCom.Core.Diagnostics;

/// <summary>A snapshot of a call's statistics.</summary>
/// <param name="Duration">Time since the session started.</param>
/// <param name="PacketsSent">RTP packets sent, counting each peer's copy.</param>
/// <param name="BytesSent">UDP payload bytes sent (RTP header included), counting each peer's copy.</param>
/// <param name="Peers">Per remote sender receive statistics, in order of first arrival.</param>
/// <param name="PacketsMalformed">Datagrams dropped because they were not valid RTP.</param>
/// <param name="PacketsUnknownPayloadType">RTP packets dropped because their payload type is not one the call decodes.</param>
/// <param name="SendErrors">Sends the operating system refused (e.g. no route); the call goes on.</param>
public sealed record SessionStatistics(
    TimeSpan Duration,
    long PacketsSent,
    long BytesSent,
    IReadOnlyList<PeerStatistics> Peers,
    long PacketsMalformed,
    long PacketsUnknownPayloadType,
    long SendErrors);
