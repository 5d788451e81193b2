using System.Net;

namespace InterCom.Core.Sessions;

/// <summary>
/// What keys an <see cref="RtpSession"/> on its own socket instead of a pre-shared key (WebRTC: ICE's
/// STUN and DTLS ride on the media port, RFC 7983): it takes the datagrams that are not RTP or RTCP,
/// and says when the keys are agreed. Until then media is neither sent nor taken.
/// </summary>
internal interface ISessionKeying
{
    /// <summary>Receive thread: a datagram whose first byte is below 128 (STUN 0–3, DTLS 20–63); whether it was taken.</summary>
    bool OnControl(ReadOnlySpan<byte> datagram, IPEndPoint from);

    /// <summary>The SRTP keys once agreed; <see langword="null"/> until then.</summary>
    Security.SrtpSession? Srtp { get; }
}
