using System.Net;
using InterCom.Core.FlowControl;

namespace InterCom.Core.Pipelines;

/// <summary>Sends one RTCP packet to every peer.</summary>
internal delegate void RtcpSend(ReadOnlySpan<byte> packet);

/// <summary>What the receiving half needs to know of the session around it.</summary>
/// <param name="OwnSsrc">The sending half's current SSRC (it changes after a collision).</param>
/// <param name="IsOwnAddress">Whether a source address is this session's own socket (a loop, not a collision).</param>
/// <param name="OnSsrcCollision">Called when another source uses our SSRC.</param>
/// <param name="PeerTimeout">How long a sender may be silent before it is dropped.</param>
/// <param name="Counters">Where the receiving half publishes its flow-control counters.</param>
/// <param name="SendReport">Sends our receiver reports to the peers (protected, when the call is encrypted).</param>
/// <param name="IsPeerAddress">Whether a source address is one of the call's peers (by IP address; the port may differ); <see langword="null"/>: anyone.</param>
/// <param name="Srtp">The call's SRTP session when it is encrypted: every datagram is authenticated and decrypted first.</param>
/// <param name="ReportSsrc">The SSRC our receiver reports are sent under; <see langword="null"/>: <paramref name="OwnSsrc"/>.</param>
/// <param name="Time">Where arrivals, reads and timeouts take their time from; <see langword="null"/>: the system's (tests pass a fake one).</param>
internal sealed record ReceiveOptions(
    Func<uint> OwnSsrc,
    Func<SocketAddress, bool> IsOwnAddress,
    Action OnSsrcCollision,
    TimeSpan PeerTimeout,
    FlowControlCounters? Counters = null,
    RtcpSend? SendReport = null,
    Func<SocketAddress, bool>? IsPeerAddress = null,
    Security.SrtpSession? Srtp = null,
    Func<uint>? ReportSsrc = null,
    TimeProvider? Time = null);
