using System.Net;
using InterCom.Core.FlowControl;
using InterCom.Core.Security;

namespace InterCom.Core.Sessions;

/// <summary>How an <see cref="RtpSession"/> is built.</summary>
internal sealed record RtpSessionOptions
{
    /// <summary>One RTCP report per this interval.</summary>
    public static readonly TimeSpan DefaultReportInterval = TimeSpan.FromSeconds(1);

    /// <summary>Where every packet goes; only these hosts are heard (any port), unless <see cref="HearAnySource"/>.</summary>
    public IReadOnlyList<IPEndPoint> Peers { get; init; } = [];

    /// <summary>Whether datagrams from hosts that are no peer are taken too (tests; default: dropped as <see cref="DropReason.UnknownSource"/>).</summary>
    public bool HearAnySource { get; init; }

    /// <summary>
    /// Whether this session sends the call's media itself. <see langword="false"/>: the receiving worker
    /// of a call in two processes; our media SSRC is the sending worker's, read from <see cref="Counters"/>,
    /// a collision is passed to it there, and reports go under an SSRC of this session's own.
    /// </summary>
    public bool SendsMedia { get; init; } = true;

    /// <summary>The call's SRTP session when it is encrypted: every datagram is authenticated and decrypted first.</summary>
    public SrtpSession? Srtp { get; init; }

    /// <summary>Keys the session on its own socket instead of <see cref="Srtp"/> (WebRTC's ICE and DTLS); <see langword="null"/>: no such keying.</summary>
    public ISessionKeying? Keying { get; init; }

    /// <summary>Where the sending half's SSRC and SSRC change requests are shared (required when <see cref="SendsMedia"/> is off).</summary>
    public FlowControlCounters? Counters { get; init; }

    /// <summary>How long a remote stream may be silent before it is dropped.</summary>
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a report is sent; default <see cref="DefaultReportInterval"/>.</summary>
    public TimeSpan ReportInterval { get; init; } = DefaultReportInterval;

    /// <summary>The RTP clock rate of what we send (for the sender report's timestamp).</summary>
    public int SendClockRate { get; init; } = Audio.AudioFormat.CallSampleRate;

    /// <summary>Where arrivals, reports and timeouts take their time from; <see langword="null"/>: the system's.</summary>
    public TimeProvider? Time { get; init; }
}
