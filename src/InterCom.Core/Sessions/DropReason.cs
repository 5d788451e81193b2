namespace InterCom.Core.Sessions;

/// <summary>Why the session's inbound filter dropped a datagram; each reason has one counter (<see cref="DropCounters"/>).</summary>
internal enum DropReason
{
    /// <summary>Not valid RTP or RTCP, or a payload the codec cannot read.</summary>
    Malformed,

    /// <summary>RTP of a payload type no receiver takes.</summary>
    UnknownPayloadType,

    /// <summary>An SSRC already in use by a stream from another address (RFC 3550 section 8.2).</summary>
    SsrcConflict,

    /// <summary>Another source sent under our own SSRC: we change ours.</summary>
    SsrcCollision,

    /// <summary>Our own packets, looped back.</summary>
    OwnPacket,

    /// <summary>From a peer the application removed.</summary>
    RemovedPeer,

    /// <summary>The SRTP/SRTCP tag did not verify (wrong key, tampered, forged).</summary>
    FailedAuthentication,

    /// <summary>Authentic, but seen before or older than the replay window.</summary>
    Replayed,

    /// <summary>From an address that is none of the call's peers.</summary>
    UnknownSource,

    /// <summary>A new, unauthenticated SSRC still proving itself with consecutive sequence numbers (RFC 3550 appendix A.1); or a new SSRC's comfort noise (a stream starts with its media).</summary>
    InProbation,
}
