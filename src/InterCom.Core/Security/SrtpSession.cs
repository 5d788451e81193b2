using System.Buffers.Binary;
using System.Security.Cryptography;
using InterCom.Core.Rtp;

namespace InterCom.Core.Security;

/// <summary>What became of a protected datagram that came in.</summary>
internal enum SrtpResult
{
    /// <summary>Authentic and new: the plaintext is in the output.</summary>
    Ok,

    /// <summary>Not an SRTP or SRTCP packet (too short, bad header).</summary>
    Malformed,

    /// <summary>The tag did not verify: wrong key, tampered, or not ours.</summary>
    Authentication,

    /// <summary>Authentic once already, or older than the replay window.</summary>
    Replay,
}

/// <summary>An SRTP protection profile (RFC 5764 section 4.1.2 names them for DTLS-SRTP).</summary>
internal enum SrtpProfile
{
    /// <summary>AEAD_AES_128_GCM (RFC 7714): 16-byte tag, 12-byte salt; the pre-shared-key call's.</summary>
    AeadAes128Gcm,

    /// <summary>AES_CM_128_HMAC_SHA1_80 (RFC 3711): 10-byte tag, 14-byte salt; what every browser offers.</summary>
    AesCm128HmacSha1_80,
}

/// <summary>
/// SRTP and SRTCP with AEAD_AES_128_GCM (RFC 7714) or AES_CM_128_HMAC_SHA1_80 (RFC 3711) for one call: the session keys derived from the
/// pre-shared <see cref="SrtpMasterKey"/> (RFC 3711 section 4.3), protection of what we send (rollover
/// counter across sequence wrap, SRTCP index per SSRC), and unprotection of what comes in, with a
/// 64-packet replay window per source (RFC 3711 section 3.3.2). Every party uses the same key, so IVs
/// stay unique only while SSRCs differ: ours are random and change on a collision (RFC 3550 section 8.2).
/// </summary>
/// <remarks>
/// Threads: <see cref="ProtectRtp"/> from the one sending thread; <see cref="ProtectRtcp"/> from any
/// (serialised inside: reports come from the encoding and the report threads);
/// <see cref="UnprotectRtp"/> and <see cref="UnprotectRtcp"/> from the one receive thread. Nothing is
/// allocated per packet except for a packet that fails to authenticate (the exception AesGcm throws).
/// </remarks>
internal sealed class SrtpSession : IDisposable
{
    /// <summary>The longest tag of any profile (GCM's): the room a packet buffer leaves after the packet.</summary>
    public const int TagLength = 16;

    /// <summary>The most SRTCP adds to an RTCP packet: the tag and the E flag with the 31-bit index.</summary>
    public const int SrtcpOverhead = TagLength + 4;

    private const int ReplayWindow = 64;
    private const int MaxSources = 256;
    private const uint EncryptedFlag = 0x8000_0000;

    private readonly AesGcm _rtpSend = null!;    // GCM; the AES-CM profile uses the four below instead
    private readonly AesGcm _rtpReceive = null!;
    private readonly AesGcm _rtcpSend = null!;
    private readonly AesGcm _rtcpReceive = null!;
    private readonly SrtpAesCm? _cmRtpSend;
    private readonly SrtpAesCm? _cmRtpReceive;
    private readonly SrtpAesCm? _cmRtcpSend;
    private readonly SrtpAesCm? _cmRtcpReceive;
    private readonly byte[] _rtpSalt = new byte[SrtpMasterKey.SaltLength];
    private readonly byte[] _rtcpSalt = new byte[SrtpMasterKey.SaltLength];
    private readonly Dictionary<uint, Replay> _rtpSources = [];
    private readonly Dictionary<uint, Replay> _rtcpSources = [];
    private readonly Lock _rtcpSendGate = new();
    private readonly Dictionary<uint, uint> _rtcpSendIndex = [];
    private readonly Lock _rtpSendGate = new();                // the audio and video senders, and retransmissions
    private readonly Dictionary<uint, (uint Roc, ushort Highest)> _rtpSendIndex = [];

    public SrtpSession(SrtpMasterKey key)
        : this(key.Key, key.Salt)
    {
    }

    /// <summary>From a master key and salt (any AES key size; a salt of at most 14 bytes).</summary>
    internal SrtpSession(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
        => (_rtpSend, _rtpReceive, _rtcpSend, _rtcpReceive) = Gcm(masterKey, masterSalt, _rtpSalt, _rtcpSalt);

    /// <summary>From a master key and salt of <paramref name="profile"/> (DTLS-SRTP's exporter gives them: 16 + 12 bytes for GCM, 16 + 14 for AES-CM).</summary>
    internal SrtpSession(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        Profile = profile;
        if (profile == SrtpProfile.AeadAes128Gcm)
        {
            (_rtpSend, _rtpReceive, _rtcpSend, _rtcpReceive) = Gcm(masterKey, masterSalt, _rtpSalt, _rtcpSalt);
            return;
        }

        if (masterSalt.Length != SrtpAesCm.SaltLength)
        {
            throw new ArgumentException($"An AES-CM master salt is {SrtpAesCm.SaltLength} bytes.", nameof(masterSalt));
        }

        (_cmRtpSend, _cmRtpReceive) = (new SrtpAesCm(masterKey, masterSalt, rtcp: false), new SrtpAesCm(masterKey, masterSalt, rtcp: false));
        (_cmRtcpSend, _cmRtcpReceive) = (new SrtpAesCm(masterKey, masterSalt, rtcp: true), new SrtpAesCm(masterKey, masterSalt, rtcp: true));
    }

    /// <summary>
    /// DTLS-SRTP's keys (RFC 5764 section 4.2): each direction its own master key and salt, this end
    /// sending under <paramref name="sendKey"/> and checking what comes in under <paramref name="receiveKey"/>.
    /// AES_CM_128_HMAC_SHA1_80 only (the GCM transform here keeps one salt for both directions).
    /// </summary>
    internal static SrtpSession ForDirections(ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> sendSalt, ReadOnlySpan<byte> receiveKey, ReadOnlySpan<byte> receiveSalt)
        => new(SrtpProfile.AesCm128HmacSha1_80, sendKey, sendSalt, receiveKey, receiveSalt);

    private SrtpSession(SrtpProfile profile, ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> sendSalt, ReadOnlySpan<byte> receiveKey, ReadOnlySpan<byte> receiveSalt)
    {
        if (sendSalt.Length != SrtpAesCm.SaltLength || receiveSalt.Length != SrtpAesCm.SaltLength)
        {
            throw new ArgumentException($"An AES-CM master salt is {SrtpAesCm.SaltLength} bytes.", nameof(sendSalt));
        }

        Profile = profile;
        (_cmRtpSend, _cmRtcpSend) = (new SrtpAesCm(sendKey, sendSalt, rtcp: false), new SrtpAesCm(sendKey, sendSalt, rtcp: true));
        (_cmRtpReceive, _cmRtcpReceive) = (new SrtpAesCm(receiveKey, receiveSalt, rtcp: false), new SrtpAesCm(receiveKey, receiveSalt, rtcp: true));
    }

    /// <summary>The protection profile.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>The tag this profile appends to an RTP packet.</summary>
    public int RtpTagLength => Profile == SrtpProfile.AeadAes128Gcm ? TagLength : SrtpAesCm.TagLength;

    /// <summary>GCM's four ciphers from the master key, and its two session salts.</summary>
    private static (AesGcm, AesGcm, AesGcm, AesGcm) Gcm(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, Span<byte> rtpSalt, Span<byte> rtcpSalt)
    {
        Span<byte> rtpKey = stackalloc byte[masterKey.Length];
        Span<byte> rtcpKey = stackalloc byte[masterKey.Length];
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.RtpEncryption, rtpKey);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.RtpSalt, rtpSalt);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.RtcpEncryption, rtcpKey);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.RtcpSalt, rtcpSalt);
        var ciphers = (new AesGcm(rtpKey, TagLength), new AesGcm(rtpKey, TagLength), new AesGcm(rtcpKey, TagLength), new AesGcm(rtcpKey, TagLength));
        CryptographicOperations.ZeroMemory(rtpKey);
        CryptographicOperations.ZeroMemory(rtcpKey);
        return ciphers;
    }

    /// <summary>For the RFC 7714 test vectors, which give session keys and salts directly.</summary>
    internal static SrtpSession FromSessionKeys(ReadOnlySpan<byte> rtpKey, ReadOnlySpan<byte> rtpSalt, ReadOnlySpan<byte> rtcpKey, ReadOnlySpan<byte> rtcpSalt)
        => new(rtpKey, rtpSalt, rtcpKey, rtcpSalt);

    private SrtpSession(ReadOnlySpan<byte> rtpKey, ReadOnlySpan<byte> rtpSalt, ReadOnlySpan<byte> rtcpKey, ReadOnlySpan<byte> rtcpSalt)
    {
        rtpSalt.CopyTo(_rtpSalt);
        rtcpSalt.CopyTo(_rtcpSalt);
        (_rtpSend, _rtpReceive, _rtcpSend, _rtcpReceive) = (new(rtpKey, TagLength), new(rtpKey, TagLength), new(rtcpKey, TagLength), new(rtcpKey, TagLength));
    }

    /// <summary>
    /// Encrypts the payload of the RTP packet in <c>packet[..length]</c> in place and appends the tag;
    /// returns the new length (<paramref name="length"/> + 16). <paramref name="packet"/> must have room.
    /// </summary>
    /// <exception cref="ArgumentException">The packet is no RTP packet, or there is no room for the tag.</exception>
    public int ProtectRtp(Span<byte> packet, int length)
    {
        int header = RtpHeader.HeaderLength(packet[..length]);
        if (header < 0 || packet.Length < length + TagLength)
        {
            throw new ArgumentException("Not an RTP packet, or no room for the SRTP tag.", nameof(packet));
        }

        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        ushort seq = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        Span<byte> iv = stackalloc byte[12];
        Span<byte> payload = packet[header..length];
        lock (_rtpSendGate)
        {
            uint roc = SendRollover(ssrc, seq);
            if (_cmRtpSend is { } cm)
            {
                // RFC 3711: encrypt the payload, then tag the packet followed by the ROC (written where the tag goes, then overwritten).
                cm.Apply(payload, ssrc, ((long)roc << 16) | seq);
                BinaryPrimitives.WriteUInt32BigEndian(packet[length..], roc);
                Span<byte> tag = stackalloc byte[SrtpAesCm.TagLength];
                cm.Tag(packet[..(length + 4)], tag);
                tag.CopyTo(packet[length..]);
                return length + SrtpAesCm.TagLength;
            }

            RtpIv(iv, _rtpSalt, ssrc, roc, seq);
            _rtpSend.Encrypt(iv, payload, payload, packet.Slice(length, TagLength), packet[..header]);
        }

        return length + TagLength;
    }

    /// <summary>
    /// The rollover count of our packet <paramref name="seq"/> of <paramref name="ssrc"/> (RFC 3711 section
    /// 3.3.1): a new stream starts at 0, a wrap forward adds one, and a retransmitted packet from before the
    /// last wrap keeps the count it was first sent with.
    /// </summary>
    private uint SendRollover(uint ssrc, ushort seq)
    {
        if (!_rtpSendIndex.TryGetValue(ssrc, out (uint Roc, ushort Highest) index))
        {
            if (_rtpSendIndex.Count >= MaxSources)
            {
                _rtpSendIndex.Clear(); // SSRCs of ours that changed after collisions
            }

            _rtpSendIndex[ssrc] = (0, seq);
            return 0;
        }

        short ahead = unchecked((short)(seq - index.Highest));
        if (ahead > 0)
        {
            uint roc = seq < index.Highest ? index.Roc + 1 : index.Roc;
            _rtpSendIndex[ssrc] = (roc, seq);
            return roc;
        }

        return seq > index.Highest ? index.Roc - 1 : index.Roc;
    }

    /// <summary>Protects one RTCP (compound) packet into <paramref name="output"/> (at least 20 bytes longer); returns its length.</summary>
    /// <exception cref="ArgumentException">Shorter than an RTCP header with SSRC, or no room.</exception>
    public int ProtectRtcp(ReadOnlySpan<byte> rtcp, Span<byte> output)
    {
        if (rtcp.Length < 8 || output.Length < rtcp.Length + SrtcpOverhead)
        {
            throw new ArgumentException("Not an RTCP packet, or no room for the SRTCP trailer.", nameof(rtcp));
        }

        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(rtcp[4..]);
        uint index;
        lock (_rtcpSendGate)
        {
            if (!_rtcpSendIndex.TryGetValue(ssrc, out index) && _rtcpSendIndex.Count >= MaxSources)
            {
                _rtcpSendIndex.Clear(); // only our own SSRCs land here: one, or a few after collisions
            }

            _rtcpSendIndex[ssrc] = (index + 1) & ~EncryptedFlag;
            if (_cmRtcpSend is { } cm)
            {
                // RFC 3711 section 3.4: header | encrypted | E + index | tag.
                rtcp.CopyTo(output);
                int body = rtcp.Length;
                cm.Apply(output[8..body], ssrc, index);
                BinaryPrimitives.WriteUInt32BigEndian(output[body..], EncryptedFlag | index);
                cm.Tag(output[..(body + 4)], output.Slice(body + 4, SrtpAesCm.TagLength));
                return body + 4 + SrtpAesCm.TagLength;
            }

            Span<byte> iv = stackalloc byte[12];
            RtcpIv(iv, _rtcpSalt, ssrc, index);
            Span<byte> aad = stackalloc byte[12];
            rtcp[..8].CopyTo(aad);
            BinaryPrimitives.WriteUInt32BigEndian(aad[8..], EncryptedFlag | index);
            rtcp[..8].CopyTo(output);
            int end = rtcp.Length;
            _rtcpSend.Encrypt(iv, rtcp[8..], output[8..end], output.Slice(end, TagLength), aad);
            aad[8..].CopyTo(output[(end + TagLength)..]);
            return end + SrtcpOverhead;
        }
    }

    /// <summary>For the RFC 7714 test vectors: the SRTCP index the next packet from <paramref name="ssrc"/> gets.</summary>
    internal void SetNextRtcpIndex(uint ssrc, uint index)
    {
        lock (_rtcpSendGate)
        {
            _rtcpSendIndex[ssrc] = index;
        }
    }

    /// <summary>
    /// What goes on the wire for an outgoing RTCP packet: the packet itself in a plain call
    /// (<paramref name="srtp"/> null), its SRTCP form written into <paramref name="scratch"/> (at least
    /// <see cref="SrtcpOverhead"/> bytes longer) in an encrypted one.
    /// </summary>
    public static ReadOnlySpan<byte> OutgoingRtcp(SrtpSession? srtp, ReadOnlySpan<byte> rtcp, Span<byte> scratch)
        => srtp is null ? rtcp : scratch[..srtp.ProtectRtcp(rtcp, scratch)];

    /// <summary>Checks and decrypts one SRTP packet into <paramref name="output"/> (at least as long); <paramref name="length"/> is the RTP packet's.</summary>
    public SrtpResult UnprotectRtp(ReadOnlySpan<byte> datagram, Span<byte> output, out int length)
    {
        length = 0;
        int header = RtpHeader.HeaderLength(datagram);
        if (header < 0 || datagram.Length < header + RtpTagLength || output.Length < datagram.Length)
        {
            return SrtpResult.Malformed;
        }

        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]);
        ushort seq = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        _rtpSources.TryGetValue(ssrc, out Replay? replay);
        long index = replay is null ? seq : EstimateIndex(replay.Highest, seq);
        if (index < 0 || (replay is not null && replay.Seen(index)))
        {
            return SrtpResult.Replay;
        }

        if (_cmRtpReceive is { } cm)
        {
            int tagAt = datagram.Length - SrtpAesCm.TagLength;
            Span<byte> authenticated = output[..(tagAt + 4)]; // the packet and its ROC, as the sender tagged them
            datagram[..tagAt].CopyTo(authenticated);
            BinaryPrimitives.WriteUInt32BigEndian(authenticated[tagAt..], (uint)(index >> 16));
            if (!cm.Verify(authenticated, datagram[tagAt..]))
            {
                return SrtpResult.Authentication;
            }

            cm.Apply(output[header..tagAt], ssrc, index);
            Remember(_rtpSources, ssrc, replay, index);
            length = tagAt;
            return SrtpResult.Ok;
        }

        Span<byte> iv = stackalloc byte[12];
        RtpIv(iv, _rtpSalt, ssrc, (uint)(index >> 16), seq);
        int end = datagram.Length - TagLength;
        try
        {
            _rtpReceive.Decrypt(iv, datagram[header..end], datagram[end..], output[header..end], datagram[..header]);
        }
        catch (CryptographicException)
        {
            return SrtpResult.Authentication;
        }

        datagram[..header].CopyTo(output);
        Remember(_rtpSources, ssrc, replay, index);
        length = end;
        return SrtpResult.Ok;
    }

    /// <summary>Checks and decrypts one SRTCP packet into <paramref name="output"/> (at least as long); <paramref name="length"/> is the RTCP packet's.</summary>
    public SrtpResult UnprotectRtcp(ReadOnlySpan<byte> datagram, Span<byte> output, out int length)
    {
        length = 0;
        int overhead = _cmRtcpReceive is null ? SrtcpOverhead : 4 + SrtpAesCm.TagLength;
        if (datagram.Length < 8 + overhead || (datagram[0] >> 6) != 2 || !RtpHeader.IsRtcp(datagram) || output.Length < datagram.Length)
        {
            return SrtpResult.Malformed;
        }

        if (_cmRtcpReceive is { } cm)
        {
            return UnprotectRtcpAesCm(cm, datagram, output, out length);
        }

        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        uint word = BinaryPrimitives.ReadUInt32BigEndian(datagram[^4..]);
        long index = word & ~EncryptedFlag;
        _rtcpSources.TryGetValue(ssrc, out Replay? replay);
        if (replay is not null && replay.Seen(index))
        {
            return SrtpResult.Replay;
        }

        Span<byte> iv = stackalloc byte[12];
        RtcpIv(iv, _rtcpSalt, ssrc, (uint)index);
        int end = datagram.Length - SrtcpOverhead;
        ReadOnlySpan<byte> tag = datagram.Slice(end, TagLength);
        try
        {
            if ((word & EncryptedFlag) != 0)
            {
                Span<byte> aad = stackalloc byte[12];
                datagram[..8].CopyTo(aad);
                datagram[^4..].CopyTo(aad[8..]);
                _rtcpReceive.Decrypt(iv, datagram[8..end], tag, output[8..end], aad);
                datagram[..8].CopyTo(output);
            }
            else
            {
                // Authenticated only (RFC 7714 section 9.2): the whole packet and the index word are associated data.
                Span<byte> aad = output[..(end + 4)];
                datagram[..end].CopyTo(aad);
                datagram[^4..].CopyTo(aad[end..]);
                _rtcpReceive.Decrypt(iv, [], tag, [], aad);
            }
        }
        catch (CryptographicException)
        {
            return SrtpResult.Authentication;
        }

        Remember(_rtcpSources, ssrc, replay, index);
        length = end;
        return SrtpResult.Ok;
    }

    public void Dispose()
    {
        _rtpSend?.Dispose();
        _rtpReceive?.Dispose();
        _rtcpSend?.Dispose();
        _rtcpReceive?.Dispose();
        _cmRtpSend?.Dispose();
        _cmRtpReceive?.Dispose();
        _cmRtcpSend?.Dispose();
        _cmRtcpReceive?.Dispose();
    }

    /// <summary>RFC 3711 section 3.4: header | encrypted (E set) or clear | E + index | tag over all before it.</summary>
    private SrtpResult UnprotectRtcpAesCm(SrtpAesCm cm, ReadOnlySpan<byte> datagram, Span<byte> output, out int length)
    {
        length = 0;
        int tagAt = datagram.Length - SrtpAesCm.TagLength;
        if (!cm.Verify(datagram[..tagAt], datagram[tagAt..]))
        {
            return SrtpResult.Authentication;
        }

        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        uint word = BinaryPrimitives.ReadUInt32BigEndian(datagram[(tagAt - 4)..]);
        long index = word & ~EncryptedFlag;
        _rtcpSources.TryGetValue(ssrc, out Replay? replay);
        if (replay is not null && replay.Seen(index))
        {
            return SrtpResult.Replay;
        }

        int end = tagAt - 4;
        datagram[..end].CopyTo(output);
        if ((word & EncryptedFlag) != 0)
        {
            cm.Apply(output[8..end], ssrc, index);
        }

        Remember(_rtcpSources, ssrc, replay, index);
        length = end;
        return SrtpResult.Ok;
    }

    /// <summary>RFC 7714 section 8.1: (00 00 || SSRC || ROC || SEQ) XOR salt.</summary>
    internal static void RtpIv(Span<byte> iv, ReadOnlySpan<byte> salt, uint ssrc, uint roc, ushort seq)
    {
        iv[..2].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(iv[2..], ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(iv[6..], roc);
        BinaryPrimitives.WriteUInt16BigEndian(iv[10..], seq);
        Xor(iv, salt);
    }

    /// <summary>RFC 7714 section 9.1: (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt.</summary>
    internal static void RtcpIv(Span<byte> iv, ReadOnlySpan<byte> salt, uint ssrc, uint index)
    {
        iv[..2].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(iv[2..], ssrc);
        iv[6..8].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(iv[8..], index & ~EncryptedFlag);
        Xor(iv, salt);
    }

    /// <summary>RFC 3711 section 3.3.1: the packet index closest to the highest one seen, from a 16-bit sequence number.</summary>
    internal static long EstimateIndex(long highest, ushort seq)
    {
        long roc = highest >> 16;
        int last = (int)(highest & 0xFFFF);
        long v = last < 0x8000
            ? (seq - last > 0x8000 ? roc - 1 : roc)
            : (last - 0x8000 > seq ? roc + 1 : roc);
        return v < 0 ? -1 : (v << 16) | seq;
    }

    private static void Xor(Span<byte> iv, ReadOnlySpan<byte> salt)
    {
        for (int i = 0; i < iv.Length; i++)
        {
            iv[i] ^= salt[i];
        }
    }

    private static void Remember(Dictionary<uint, Replay> sources, uint ssrc, Replay? replay, long index)
    {
        if (replay is null)
        {
            if (sources.Count >= MaxSources)
            {
                sources.Clear(); // only authenticated sources get here: a call never has this many
            }

            sources[ssrc] = replay = new Replay(index);
            return;
        }

        replay.Accept(index);
    }

    /// <summary>The highest index accepted from one source and which of the 63 before it were.</summary>
    private sealed class Replay(long first)
    {
        private ulong _window = 1;

        public long Highest { get; private set; } = first;

        public bool Seen(long index)
        {
            long behind = Highest - index;
            return behind >= 0 && (behind >= ReplayWindow || (_window & (1UL << (int)behind)) != 0);
        }

        public void Accept(long index)
        {
            long ahead = index - Highest;
            if (ahead > 0)
            {
                _window = ahead >= ReplayWindow ? 1 : (_window << (int)ahead) | 1;
                Highest = index;
            }
            else
            {
                _window |= 1UL << (int)-ahead;
            }
        }
    }
}
