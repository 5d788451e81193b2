using System.Security.Cryptography;

namespace InterCom.Core.Security;

/// <summary>
/// The AES-CM key derivation function of RFC 3711 section 4.3 with a key derivation rate of 0 (session
/// keys are derived once): session key = AES-CM keystream under the master key, started from the
/// master salt with the label XORed in at byte 7. A 12-byte salt (RFC 7714) is padded with zeros on the
/// right, as libsrtp does.
/// </summary>
internal static class SrtpKeyDerivation
{
    public const byte RtpEncryption = 0x00;
    public const byte RtpAuthentication = 0x01;
    public const byte RtpSalt = 0x02;
    public const byte RtcpEncryption = 0x03;
    public const byte RtcpSalt = 0x05;

    /// <summary>Fills <paramref name="output"/> with the session key material of <paramref name="label"/>.</summary>
    public static void Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, byte label, Span<byte> output)
    {
        if (masterSalt.Length > 14)
        {
            throw new ArgumentException("A master salt is at most 14 bytes.", nameof(masterSalt));
        }

        int blocks = (output.Length + 15) / 16;
        Span<byte> counter = stackalloc byte[blocks * 16];
        for (int i = 0; i < blocks; i++)
        {
            Span<byte> block = counter.Slice(i * 16, 16);
            masterSalt.CopyTo(block);
            block[7] ^= label;
            block[14] = (byte)(i >> 8);
            block[15] = (byte)i;
        }

        using var aes = Aes.Create();
        aes.Key = masterKey.ToArray();
        Span<byte> stream = stackalloc byte[counter.Length];
        aes.EncryptEcb(counter, stream, PaddingMode.None);
        stream[..output.Length].CopyTo(output);
        CryptographicOperations.ZeroMemory(stream);
    }
}
