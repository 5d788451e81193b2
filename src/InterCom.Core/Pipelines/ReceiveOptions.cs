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
/// <param name="SendReport">Sends our receiver reports to the peers.</param>
internal sealed record ReceiveOptions(
    Func<uint> OwnSsrc,
    Func<SocketAddress, bool> IsOwnAddress,
    Action OnSsrcCollision,
    TimeSpan PeerTimeout,
    FlowControlCounters? Counters = null,
    RtcpSend? SendReport = null);
