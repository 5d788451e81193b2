using System.Buffers.Binary;
using System.Security.Cryptography;

namespace InterCom.Core.Security;

/// <summary>
/// The AES_CM_128_HMAC_SHA1_80 transform of RFC 3711 for one direction of one kind (RTP or RTCP):
/// AES in counter mode from an IV of the session salt, the SSRC and the packet index (section 4.1.1),
/// and an HMAC-SHA1 tag cut to 80 bits (section 4.2). Allocation-free; one thread at a time.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "RFC 3711's mandatory SRTP transform authenticates with HMAC-SHA1; every browser offers it.")]
internal sealed class SrtpAesCm : IDisposable
{
    /// <summary>The tag: 80 bits.</summary>
    public const int TagLength = 10;

    /// <summary>The session salt: 112 bits.</summary>
    public const int SaltLength = 14;

    private const int MaxKeystream = 2048; // an SRTP payload fits (a datagram is at most 1500 bytes here)
    private readonly Aes _aes;
    private readonly ICryptoTransform _encryptor; // kept: Aes.EncryptEcb makes (and allocates) a transform per call
    private readonly byte[] _salt = new byte[SaltLength];
    private readonly byte[] _authKey = new byte[20];
    private readonly byte[] _counters = new byte[MaxKeystream];
    private readonly byte[] _keystream = new byte[MaxKeystream];

    /// <summary>From the master key and salt, with the labels of RTP (0, 1, 2) or RTCP (3, 4, 5).</summary>
    public SrtpAesCm(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, bool rtcp)
    {
        Span<byte> key = stackalloc byte[masterKey.Length];
        byte label = rtcp ? SrtpKeyDerivation.RtcpEncryption : SrtpKeyDerivation.RtpEncryption;
        SrtpKeyDerivation.Derive(masterKey, masterSalt, label, key);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, (byte)(label + 1), _authKey);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, (byte)(label + 2), _salt);
        (_aes, _encryptor) = Ecb(key);
        CryptographicOperations.ZeroMemory(key);
    }

    /// <summary>The session keys themselves (for RFC 3711's test vectors).</summary>
    internal SrtpAesCm(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> sessionSalt, ReadOnlySpan<byte> authKey)
    {
        sessionSalt.CopyTo(_salt);
        authKey.CopyTo(_authKey);
        (_aes, _encryptor) = Ecb(sessionKey);
    }

    private static (Aes, ICryptoTransform) Ecb(ReadOnlySpan<byte> key)
    {
        var aes = Aes.Create();
        aes.Key = key.ToArray();
        aes.Mode = CipherMode.ECB;
        aes.Padding = PaddingMode.None;
        return (aes, aes.CreateEncryptor());
    }

    /// <summary>XORs <paramref name="data"/> with the keystream of (<paramref name="ssrc"/>, <paramref name="index"/>): encrypts and decrypts alike.</summary>
    public void Apply(Span<byte> data, uint ssrc, long index)
    {
        if (data.Length > MaxKeystream)
        {
            throw new ArgumentException("An SRTP payload is at most 2048 bytes here.", nameof(data));
        }

        int blocks = (data.Length + 15) / 16;
        Span<byte> iv = stackalloc byte[16];
        _salt.CopyTo(iv);
        iv[14] = iv[15] = 0;
        Span<byte> mix = stackalloc byte[16];
        mix.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(mix[4..], ssrc);
        BinaryPrimitives.WriteUInt16BigEndian(mix[8..], (ushort)(index >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(mix[10..], (uint)index);
        for (int i = 0; i < 16; i++)
        {
            iv[i] ^= mix[i];
        }

        Span<byte> counters = _counters.AsSpan(0, blocks * 16);
        for (int b = 0; b < blocks; b++)
        {
            Span<byte> block = counters.Slice(b * 16, 16);
            iv.CopyTo(block);
            BinaryPrimitives.WriteUInt16BigEndian(block[14..], (ushort)b); // the IV's last 16 bits are zero: the block counter goes there
        }

        Span<byte> stream = _keystream.AsSpan(0, counters.Length);
        _ = _encryptor.TransformBlock(_counters, 0, counters.Length, _keystream, 0);
        for (int i = 0; i < data.Length; i++)
        {
            data[i] ^= stream[i];
        }
    }

    /// <summary>The 80-bit tag of <paramref name="authenticated"/> (for RTP: the packet with the ROC after it; for RTCP: the packet with its E and index word).</summary>
    public void Tag(ReadOnlySpan<byte> authenticated, Span<byte> tag)
    {
        Span<byte> mac = stackalloc byte[20];
        HMACSHA1.HashData(_authKey, authenticated, mac);
        mac[..TagLength].CopyTo(tag);
    }

    /// <summary>Whether <paramref name="tag"/> is the tag of <paramref name="authenticated"/> (in constant time).</summary>
    public bool Verify(ReadOnlySpan<byte> authenticated, ReadOnlySpan<byte> tag)
    {
        Span<byte> expected = stackalloc byte[TagLength];
        Tag(authenticated, expected);
        return CryptographicOperations.FixedTimeEquals(expected, tag);
    }

    public void Dispose()
    {
        _encryptor.Dispose();
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_authKey);
    }
}
