using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace InterCom.Core.Ice;

/// <summary>The address attributes' value (RFC 8489 sections 14.1 and 14.2): family, port, address; XOR'd with the cookie (and the transaction ID for IPv6).</summary>
internal static class StunAddress
{
    /// <summary>The value's length for <paramref name="address"/>: 8 (IPv4) or 20 (IPv6).</summary>
    public static int LengthOf(IPEndPoint address) => address.AddressFamily == AddressFamily.InterNetwork ? 8 : 20;

    public static bool TryRead(ReadOnlySpan<byte> value, bool xor, ReadOnlySpan<byte> transactionId, out IPEndPoint? address)
    {
        address = null;
        if (value.Length < 4 || (value[1] != 1 && value[1] != 2) || value.Length != (value[1] == 1 ? 8 : 20))
        {
            return false;
        }

        int port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]) ^ (xor ? (int)(StunReader.MagicCookie >> 16) : 0);
        Span<byte> bytes = stackalloc byte[value.Length - 4];
        value[4..].CopyTo(bytes);
        if (xor)
        {
            Mask(bytes, transactionId);
        }

        address = new IPEndPoint(new IPAddress(bytes), port);
        return true;
    }

    public static int Write(Span<byte> destination, IPEndPoint address, bool xor, ReadOnlySpan<byte> transactionId)
    {
        IPEndPoint endPoint = address.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(address.Address.MapToIPv4(), address.Port) : address;
        bool v4 = endPoint.AddressFamily == AddressFamily.InterNetwork;
        int length = v4 ? 8 : 20;
        destination[0] = 0;
        destination[1] = (byte)(v4 ? 1 : 2);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(endPoint.Port ^ (xor ? (int)(StunReader.MagicCookie >> 16) : 0)));
        Span<byte> bytes = destination[4..length];
        _ = endPoint.Address.TryWriteBytes(bytes, out _);
        if (xor)
        {
            Mask(bytes, transactionId);
        }

        return length;
    }

    /// <summary>XORs an address with the magic cookie, then (IPv6) the transaction ID.</summary>
    private static void Mask(Span<byte> bytes, ReadOnlySpan<byte> transactionId)
    {
        Span<byte> mask = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(mask, StunReader.MagicCookie);
        transactionId.CopyTo(mask[4..]);
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] ^= mask[i];
        }
    }
}
