using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace InterCom.Core.Ice;

/// <summary>
/// One received STUN message (RFC 8489), read in place: the header checked (zero top bits, the magic
/// cookie, a length that is the datagram's and a multiple of four, attributes that fit), its
/// attributes found by type, MESSAGE-INTEGRITY and FINGERPRINT verified. Allocation-free.
/// </summary>
internal readonly ref struct StunReader
{
    /// <summary>RFC 8489's magic cookie.</summary>
    public const uint MagicCookie = 0x2112A442;

    /// <summary>The fixed header.</summary>
    public const int HeaderSize = 20;

    private const uint FingerprintXor = 0x5354554E;

    private readonly ReadOnlySpan<byte> _message;

    private StunReader(ReadOnlySpan<byte> message) => _message = message;

    /// <summary>The 14-bit message type.</summary>
    public ushort Type => BinaryPrimitives.ReadUInt16BigEndian(_message);

    public StunMethod Method => StunMessageType.MethodOf(Type);

    public StunClass Class => StunMessageType.ClassOf(Type);

    /// <summary>The 96-bit transaction ID.</summary>
    public ReadOnlySpan<byte> TransactionId => _message.Slice(8, 12);

    /// <summary>Whether <paramref name="datagram"/> looks like STUN at all (RFC 7983: a first byte of 0 to 3, and the cookie).</summary>
    public static bool IsStun(ReadOnlySpan<byte> datagram)
        => datagram.Length >= HeaderSize && datagram[0] < 4 && BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]) == MagicCookie;

    /// <summary>Reads <paramref name="datagram"/> as one whole STUN message; <see langword="false"/> when it is not a well-formed one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out StunReader message)
    {
        message = default;
        if (!IsStun(datagram) || (datagram[0] & 0xC0) != 0)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if (length % 4 != 0 || HeaderSize + length != datagram.Length)
        {
            return false;
        }

        for (int at = HeaderSize; at < datagram.Length;)
        {
            if (at + 4 > datagram.Length)
            {
                return false;
            }

            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[(at + 2)..]);
            at += 4 + Padded(valueLength);
            if (at > datagram.Length)
            {
                return false;
            }
        }

        message = new StunReader(datagram);
        return true;
    }

    /// <summary>The value of the first attribute of <paramref name="type"/> (before MESSAGE-INTEGRITY, or FINGERPRINT for those two); <see langword="false"/> when absent.</summary>
    public bool TryGet(ushort type, out ReadOnlySpan<byte> value) => TryFind(type, out _, out value);

    /// <summary>A 32-bit attribute (PRIORITY, LIFETIME).</summary>
    public bool TryGetUInt32(ushort type, out uint value)
    {
        value = 0;
        if (!TryGet(type, out ReadOnlySpan<byte> raw) || raw.Length != 4)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(raw);
        return true;
    }

    /// <summary>A 64-bit attribute (ICE-CONTROLLING, ICE-CONTROLLED tie-breakers).</summary>
    public bool TryGetUInt64(ushort type, out ulong value)
    {
        value = 0;
        if (!TryGet(type, out ReadOnlySpan<byte> raw) || raw.Length != 8)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt64BigEndian(raw);
        return true;
    }

    /// <summary>An XOR-MAPPED-ADDRESS style attribute (XOR-RELAYED-ADDRESS, XOR-PEER-ADDRESS too), or MAPPED-ADDRESS.</summary>
    public bool TryGetAddress(ushort type, out IPEndPoint? address)
    {
        address = null;
        return TryGet(type, out ReadOnlySpan<byte> raw) && StunAddress.TryRead(raw, xor: type != StunAttribute.MappedAddress, TransactionId, out address);
    }

    /// <summary>The ERROR-CODE's number (300 to 699), or 0 when there is none.</summary>
    public int ErrorCode => TryGet(StunAttribute.ErrorCode, out ReadOnlySpan<byte> raw) && raw.Length >= 4 ? ((raw[2] & 0x7) * 100) + raw[3] : 0;

    /// <summary>
    /// Whether the MESSAGE-INTEGRITY verifies with <paramref name="key"/> (short-term: the password;
    /// long-term: <see cref="StunCredentials.LongTermKey"/>). A message without one does not.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "STUN's MESSAGE-INTEGRITY is HMAC-SHA1 by definition (RFC 8489 section 14.5); every ICE peer checks it.")]
    public bool VerifyIntegrity(ReadOnlySpan<byte> key)
    {
        if (!TryFind(StunAttribute.MessageIntegrity, out int at, out ReadOnlySpan<byte> mac) || mac.Length != 20)
        {
            return false;
        }

        // The HMAC covers the message up to the attribute, its length field as if the message ended right after it.
        Span<byte> covered = at <= 1024 ? stackalloc byte[at] : new byte[at];
        _message[..at].CopyTo(covered);
        BinaryPrimitives.WriteUInt16BigEndian(covered[2..], (ushort)(at - HeaderSize + 24));
        Span<byte> expected = stackalloc byte[20];
        HMACSHA1.HashData(key, covered, expected);
        return CryptographicOperations.FixedTimeEquals(expected, mac);
    }

    /// <summary>Whether the message ends in a FINGERPRINT that matches it.</summary>
    public bool VerifyFingerprint()
    {
        int at = _message.Length - 8;
        if (at < HeaderSize || BinaryPrimitives.ReadUInt16BigEndian(_message[at..]) != StunAttribute.Fingerprint || BinaryPrimitives.ReadUInt16BigEndian(_message[(at + 2)..]) != 4)
        {
            return false;
        }

        return (Crc32.Compute(_message[..at]) ^ FingerprintXor) == BinaryPrimitives.ReadUInt32BigEndian(_message[(at + 4)..]);
    }

    /// <summary>Whether a FINGERPRINT attribute ends the message (checked or not).</summary>
    public bool HasFingerprint => _message.Length - 8 >= HeaderSize && BinaryPrimitives.ReadUInt16BigEndian(_message[^8..]) == StunAttribute.Fingerprint;

    internal static int Padded(int length) => (length + 3) & ~3;

    internal static uint FingerprintOf(ReadOnlySpan<byte> messageBeforeIt) => Crc32.Compute(messageBeforeIt) ^ FingerprintXor;

    /// <summary>Finds an attribute; attributes after MESSAGE-INTEGRITY (but FINGERPRINT) are ignored, as RFC 8489 section 14.5 says.</summary>
    private bool TryFind(ushort type, out int at, out ReadOnlySpan<byte> value)
    {
        bool afterIntegrity = false;
        for (at = HeaderSize; at + 4 <= _message.Length;)
        {
            ushort t = BinaryPrimitives.ReadUInt16BigEndian(_message[at..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(_message[(at + 2)..]);
            if (t == type && (!afterIntegrity || t == StunAttribute.Fingerprint))
            {
                value = _message.Slice(at + 4, length);
                return true;
            }

            afterIntegrity |= t == StunAttribute.MessageIntegrity;
            at += 4 + Padded(length);
        }

        value = default;
        return false;
    }
}
