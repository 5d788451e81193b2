using System.Security.Cryptography;

namespace InterCom.Core.Security;

/// <summary>
/// The pre-shared secret of an encrypted call (SRTP with AEAD_AES_128_GCM, RFC 7714): a 16-byte master
/// key and a 12-byte master salt, 28 bytes in all, written as Base64 (40 characters) for people and
/// files. Every party of the call holds the same one; the session keys of each direction are derived
/// from it (RFC 3711 section 4.3). It never appears in <see cref="ToString"/>.
/// </summary>
public sealed class SrtpMasterKey
{
    /// <summary>Bytes of the master key: 16 (AES-128).</summary>
    public const int KeyLength = 16;

    /// <summary>Bytes of the master salt: 12 (RFC 7714 section 12).</summary>
    public const int SaltLength = 12;

    /// <summary>Bytes of key and salt together: 28.</summary>
    public const int Length = KeyLength + SaltLength;

    private readonly byte[] _bytes;

    private SrtpMasterKey(byte[] bytes) => _bytes = bytes;

    /// <summary>The master key.</summary>
    public ReadOnlySpan<byte> Key => _bytes.AsSpan(0, KeyLength);

    /// <summary>The master salt.</summary>
    public ReadOnlySpan<byte> Salt => _bytes.AsSpan(KeyLength, SaltLength);

    /// <summary>A fresh key from the operating system's cryptographic random number generator.</summary>
    public static SrtpMasterKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    /// <summary>A key from its 28 bytes (key, then salt).</summary>
    /// <exception cref="ArgumentException">Not 28 bytes.</exception>
    public static SrtpMasterKey FromBytes(ReadOnlySpan<byte> keyAndSalt)
        => keyAndSalt.Length == Length
            ? new SrtpMasterKey(keyAndSalt.ToArray())
            : throw new ArgumentException($"An SRTP master key is {Length} bytes (16 key + 12 salt), not {keyAndSalt.Length}.", nameof(keyAndSalt));

    /// <summary>A key from its Base64 text (surrounding white space ignored), as <see cref="ToBase64"/> writes it.</summary>
    /// <exception cref="FormatException">Not Base64, or not 28 bytes; the message says which, never the text.</exception>
    public static SrtpMasterKey Parse(string base64)
    {
        ArgumentNullException.ThrowIfNull(base64);
        Span<byte> bytes = stackalloc byte[Length + 3];
        if (!Convert.TryFromBase64String(base64.Trim(), bytes, out int written))
        {
            throw new FormatException($"The key is not Base64 of {Length} bytes (16 key + 12 salt); 'intercom keygen' makes one.");
        }

        return written == Length
            ? new SrtpMasterKey(bytes[..Length].ToArray())
            : throw new FormatException($"The key is {written} bytes; an SRTP master key is {Length} bytes (16 key + 12 salt).");
    }

    /// <summary>Reads a key from a file holding its Base64 text.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="FormatException">The file holds no valid key.</exception>
    public static SrtpMasterKey ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new FormatException($"Key file '{path}': {e.Message}", e);
        }
    }

    /// <summary>The key as Base64 text (40 characters).</summary>
    public string ToBase64() => Convert.ToBase64String(_bytes);

    /// <summary>A description that does not reveal the key.</summary>
    public override string ToString() => "SrtpMasterKey(AEAD_AES_128_GCM, hidden)";
}
