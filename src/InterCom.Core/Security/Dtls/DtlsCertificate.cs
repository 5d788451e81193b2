using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace InterCom.Core.Security.Dtls;

/// <summary>
/// An endpoint's DTLS identity (RFC 5763): a self-signed ECDSA P-256 certificate, made per endpoint,
/// and its SHA-256 fingerprint, which the SDP carries and the peer checks the handshake against.
/// </summary>
internal sealed class DtlsCertificate
{
    private DtlsCertificate(X509Certificate certificate, AsymmetricKeyParameter privateKey)
    {
        Certificate = certificate;
        PrivateKey = privateKey;
        Der = certificate.GetEncoded();
        Fingerprint = FingerprintOf(Der);
    }

    /// <summary>The certificate, DER.</summary>
    public byte[] Der { get; }

    /// <summary>"sha-256 AB:CD:…", as SDP's <c>a=fingerprint</c> gives it (RFC 8122).</summary>
    public string Fingerprint { get; }

    internal X509Certificate Certificate { get; }

    internal AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>A new key pair and a certificate for it, valid from a day ago for 30 days (the peer checks the fingerprint, not the dates).</summary>
    public static DtlsCertificate Generate()
    {
        var random = new SecureRandom();
        var keys = new ECKeyPairGenerator();
        keys.Init(new ECKeyGenerationParameters(Org.BouncyCastle.Asn1.Sec.SecObjectIdentifiers.SecP256r1, random));
        AsymmetricCipherKeyPair pair = keys.GenerateKeyPair();
        var generator = new X509V3CertificateGenerator();
        var name = new X509Name("CN=intercom");
        generator.SetSerialNumber(new BigInteger(64, random).Add(BigInteger.One));
        generator.SetIssuerDN(name);
        generator.SetSubjectDN(name);
        generator.SetNotBefore(DateTime.UtcNow.AddDays(-1));
        generator.SetNotAfter(DateTime.UtcNow.AddDays(30));
        generator.SetPublicKey(pair.Public);
        X509Certificate certificate = generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", pair.Private, random));
        return new DtlsCertificate(certificate, pair.Private);
    }

    /// <summary>The SHA-256 fingerprint of a DER certificate, "sha-256 AB:CD:…".</summary>
    public static string FingerprintOf(ReadOnlySpan<byte> der) => "sha-256 " + string.Join(':', Convert.ToHexString(SHA256.HashData(der)).Chunk(2).Select(pair => new string(pair)));

    /// <summary>Whether two fingerprints name the same digest (hash names and hex compared without regard to case).</summary>
    public static bool SameFingerprint(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);
}
