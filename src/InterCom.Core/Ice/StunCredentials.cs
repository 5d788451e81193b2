using System.Security.Cryptography;
using System.Text;

namespace InterCom.Core.Ice;

/// <summary>STUN's keys for MESSAGE-INTEGRITY (RFC 8489 section 9): ICE's short-term password, TURN's long-term MD5 key.</summary>
internal static class StunCredentials
{
    /// <summary>A short-term credential's key: the password's UTF-8 (ICE passwords are ASCII, which the OpaqueString profile leaves as it is).</summary>
    public static byte[] ShortTermKey(string password) => Encoding.UTF8.GetBytes(password);

    /// <summary>A long-term credential's key: MD5(username ":" realm ":" password) (RFC 8489 section 9.2.2), the password already prepared.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "RFC 8489's long-term key is MD5 by definition; TURN servers use it.")]
    public static byte[] LongTermKey(string username, string realm, string password) => MD5.HashData(Encoding.UTF8.GetBytes($"{username}:{realm}:{password}"));
}
