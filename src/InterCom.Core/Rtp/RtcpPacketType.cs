namespace InterCom.Core.Rtp;

/// <summary>RTCP packet types (RFC 3550 section 12.1).</summary>
public enum RtcpPacketType : byte
{
    /// <summary>Sender report (SR).</summary>
    SenderReport = 200,

    /// <summary>Receiver report (RR).</summary>
    ReceiverReport = 201,

    /// <summary>Source description (SDES).</summary>
    SourceDescription = 202,

    /// <summary>Goodbye (BYE): the source leaves.</summary>
    Goodbye = 203,

    /// <summary>Application-defined (APP).</summary>
    ApplicationDefined = 204,

    /// <summary>Transport-layer feedback (RTPFB, RFC 4585): generic NACK.</summary>
    TransportFeedback = 205,

    /// <summary>Payload-specific feedback (PSFB, RFC 4585): picture loss indication, full intra request.</summary>
    PayloadFeedback = 206,
}
