using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace InterCom.Core.Ice;

/// <summary>
/// Writes one STUN message (RFC 8489) into a caller's buffer: the header, attributes in order,
/// then MESSAGE-INTEGRITY and FINGERPRINT, which must come last. Allocation-free.
/// </summary>
internal ref struct StunWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    /// <summary>Starts a message of <paramref name="method"/> and <paramref name="class"/> with <paramref name="transactionId"/> (12 bytes).</summary>
    public StunWriter(Span<byte> buffer, StunMethod method, StunClass @class, ReadOnlySpan<byte> transactionId)
    {
        if (transactionId.Length != 12)
        {
            throw new ArgumentException("A STUN transaction ID is 12 bytes.", nameof(transactionId));
        }

        _buffer = buffer;
        BinaryPrimitives.WriteUInt16BigEndian(buffer, StunMessageType.Of(method, @class));
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], StunReader.MagicCookie);
        transactionId.CopyTo(buffer[8..]);
        _length = StunReader.HeaderSize;
        SetLength();
    }

    /// <summary>The message so far (its length field kept up to date).</summary>
    public readonly ReadOnlySpan<byte> Message => _buffer[.._length];

    /// <summary>Its transaction ID.</summary>
    public readonly ReadOnlySpan<byte> TransactionId => _buffer.Slice(8, 12);

    /// <summary>Adds an attribute; its padding is zeros.</summary>
    public void Add(ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> at = Reserve(type, value.Length);
        value.CopyTo(at);
    }

    public void AddString(ushort type, string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        Span<byte> at = Reserve(type, length);
        _ = Encoding.UTF8.GetBytes(value, at);
    }

    public void AddUInt32(ushort type, uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(type, 4), value);

    public void AddUInt64(ushort type, ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Reserve(type, 8), value);

    /// <summary>A flag attribute (USE-CANDIDATE): no value.</summary>
    public void AddFlag(ushort type) => _ = Reserve(type, 0);

    /// <summary>An XOR'd address attribute (XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS).</summary>
    public void AddXorAddress(ushort type, IPEndPoint address)
    {
        Span<byte> at = Reserve(type, StunAddress.LengthOf(address.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(address.Address.MapToIPv4(), address.Port) : address));
        _ = StunAddress.Write(at, address, xor: true, _buffer.Slice(8, 12));
    }

    /// <summary>An ERROR-CODE (300 to 699) with its reason phrase.</summary>
    public void AddError(int code, string reason)
    {
        Span<byte> at = Reserve(StunAttribute.ErrorCode, 4 + Encoding.UTF8.GetByteCount(reason));
        at[..2].Clear();
        at[2] = (byte)(code / 100);
        at[3] = (byte)(code % 100);
        _ = Encoding.UTF8.GetBytes(reason, at[4..]);
    }

    /// <summary>MESSAGE-INTEGRITY over the message so far (RFC 8489 section 14.5), keyed by <paramref name="key"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "STUN's MESSAGE-INTEGRITY is HMAC-SHA1 by definition (RFC 8489 section 14.5); every ICE peer checks it.")]
    public void AddIntegrity(ReadOnlySpan<byte> key)
    {
        int at = _length;
        Span<byte> mac = Reserve(StunAttribute.MessageIntegrity, 20);
        HMACSHA1.HashData(key, _buffer[..at], mac); // the length field already counts the attribute, as the HMAC must see it
    }

    /// <summary>FINGERPRINT (RFC 8489 section 14.7); the last attribute. Returns the message's length.</summary>
    public int AddFingerprint()
    {
        int at = _length;
        Span<byte> value = Reserve(StunAttribute.Fingerprint, 4);
        BinaryPrimitives.WriteUInt32BigEndian(value, StunReader.FingerprintOf(_buffer[..at]));
        return _length;
    }

    /// <summary>The message's length in bytes.</summary>
    public readonly int Length => _length;

    private Span<byte> Reserve(ushort type, int length)
    {
        int padded = StunReader.Padded(length);
        if (_length + 4 + padded > _buffer.Length || _length + 4 + padded - StunReader.HeaderSize > ushort.MaxValue)
        {
            throw new ArgumentException("The STUN message does not fit its buffer.");
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], type);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(_length + 2)..], (ushort)length);
        Span<byte> value = _buffer.Slice(_length + 4, length);
        _buffer.Slice(_length + 4 + length, padded - length).Clear();
        _length += 4 + padded;
        SetLength();
        return value;
    }

    private readonly void SetLength() => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_length - StunReader.HeaderSize));
}
