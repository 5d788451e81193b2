namespace InterCom.Core.Diagnostics;

/// <summary>A snapshot of a call's statistics.</summary>
/// <param name="Duration">Time since the session started.</param>
/// <param name="PacketsSent">RTP packets sent, counting each peer's copy.</param>
/// <param name="BytesSent">RTP payload bytes sent (headers and SRTP tags not included, as <see cref="PeerStatistics.BytesReceived"/> counts them), counting each peer's copy.</param>
/// <param name="Peers">Per remote sender receive statistics, in order of first arrival.</param>
/// <param name="PacketsMalformed">Datagrams dropped because they were not valid RTP.</param>
/// <param name="PacketsUnknownPayloadType">RTP packets dropped because their payload type is not one the call decodes.</param>
/// <param name="SendErrors">Sends the operating system refused (e.g. no route); the call goes on.</param>
/// <param name="PacketsSsrcConflict">Packets dropped because their SSRC is already in use by a sender at another address (RFC 3550 section 8.2).</param>
/// <param name="PacketsFromRemovedPeers">Packets dropped because they come from a peer the application removed.</param>
/// <param name="SsrcCollisions">Times another source used this session's SSRC, so that it changed its own.</param>
/// <param name="PeersLeft">Senders dropped: after a BYE, silence past the timeout, or removal by the application.</param>
/// <param name="RoundTripMs">Round-trip time to the peers from RTCP (LSR/DLSR), milliseconds; 0 until the first report.</param>
/// <param name="RemoteLossPercent">Loss of our stream as the last receiver report says, percent.</param>
/// <param name="TargetBitrate">The Opus bitrate rate control currently asks for, bits per second (0 for PCM).</param>
/// <param name="FecEnabled">Whether rate control turned Opus in-band FEC on.</param>
public sealed record SessionStatistics(
    TimeSpan Duration,
    long PacketsSent,
    long BytesSent,
    IReadOnlyList<PeerStatistics> Peers,
    long PacketsMalformed,
    long PacketsUnknownPayloadType,
    long SendErrors,
    long PacketsSsrcConflict = 0,
    long PacketsFromRemovedPeers = 0,
    long SsrcCollisions = 0,
    long PeersLeft = 0,
    double RoundTripMs = 0,
    double RemoteLossPercent = 0,
    int TargetBitrate = 0,
    bool FecEnabled = false)
{
    /// <summary>Datagrams dropped because their SRTP/SRTCP tag did not verify (wrong key, tampered, forged).</summary>
    public long PacketsFailedAuthentication { get; init; }

    /// <summary>Authentic datagrams dropped because they were seen before (or are older than the replay window).</summary>
    public long PacketsReplayed { get; init; }

    /// <summary>Datagrams dropped because they came from an address that is none of the call's peers.</summary>
    public long PacketsFromUnknownSources { get; init; }

    /// <summary>Packets of new, unauthenticated sources dropped while they proved themselves (RFC 3550 appendix A.1).</summary>
    public long PacketsInProbation { get; init; }

    /// <summary>Frames not sent as audio because the input was silent (<see cref="Codecs.CodecOptions.DiscontinuousTransmission"/>); comfort noise went in place of some.</summary>
    public long FramesSuppressed { get; init; }

    /// <summary>RTCP datagrams taken in (reports, BYE).</summary>
    public long RtcpPacketsReceived { get; init; }

    /// <summary>Times the output (a WAV file on a full disk, say) refused the audio; the call went on without that output after the first.</summary>
    public long OutputFailures { get; init; }

    /// <summary>Whether the call is encrypted and authenticated (SRTP).</summary>
    public bool Encrypted { get; init; }

    /// <summary>The call's video, sent and received; <see langword="null"/> for a call without video.</summary>
    public VideoStatistics? Video { get; init; }

    /// <summary>What was received over all senders (<see cref="Peers"/> summed).</summary>
    public ReceiveTotals Received => ReceiveTotals.Of(Peers);

    /// <summary>A readable summary: what was sent, what was dropped and why, then a line per sender heard.</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        text.Append(culture, $"{Duration.TotalSeconds:F1} s{(Encrypted ? ", encrypted" : "")}: sent {PacketsSent} packets ({BytesSent} payload bytes), {SendErrors} refused");
        text.Append(culture, $"; rtt {RoundTripMs:F1} ms, remote loss {RemoteLossPercent:F1} %, bitrate {TargetBitrate} b/s, FEC {(FecEnabled ? "on" : "off")}");
        text.Append(culture, $"; dropped: {PacketsMalformed} malformed, {PacketsUnknownPayloadType} unknown payload type, {PacketsFailedAuthentication} unauthentic, {PacketsReplayed} replayed");
        text.Append(culture, $", {PacketsFromUnknownSources} from unknown sources, {PacketsFromRemovedPeers} from removed peers, {PacketsInProbation} in probation, {PacketsSsrcConflict} SSRC conflicts");
        text.Append(culture, $"; {SsrcCollisions} SSRC collisions, {PeersLeft} senders left, {RtcpPacketsReceived} RTCP in, {OutputFailures} output failures");
        foreach (PeerStatistics peer in Peers)
        {
            text.AppendLine().Append("  ").Append(peer);
        }

        return text.ToString();
    }
}
