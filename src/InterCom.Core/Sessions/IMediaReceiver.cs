using InterCom.Core.Rtp;

namespace InterCom.Core.Sessions;

/// <summary>What the session hands a remote stream's media packets to: one per kind of media (audio now).</summary>
internal interface IMediaReceiver
{
    /// <summary>The RTP clock rate of the payload types taken (arrival times are given in its units).</summary>
    int ClockRate { get; }

    /// <summary>Whether packets of <paramref name="payloadType"/> are this receiver's.</summary>
    bool Takes(byte payloadType);

    /// <summary>Whether its streams also carry <paramref name="payloadType"/> besides the one they started with (comfort noise); such packets do not start a stream.</summary>
    bool TakesAlongside(byte payloadType) => false;

    /// <summary>A new stream passed the inbound filter: its buffer. Receive thread.</summary>
    IMediaStream Open(RemoteStream stream);

    /// <summary>The stream ended (BYE, silence past the timeout, its peer removed); its buffer is released here.</summary>
    void Close(RemoteStream stream, string reason);
}

/// <summary>One remote stream's buffer, fed by the session's receive thread.</summary>
internal interface IMediaStream
{
    /// <summary>Its reception statistics: the session's report blocks and timeouts read them.</summary>
    Jitter.ReceptionStatistics Reception { get; }

    /// <summary>One packet, arrived at <paramref name="arrival"/> in the receiver's clock units.</summary>
    /// <returns><see langword="false"/> when the payload is not valid (the session counts it as malformed).</returns>
    bool Insert(in RtpHeader header, ReadOnlySpan<byte> payload, long arrival);
}
