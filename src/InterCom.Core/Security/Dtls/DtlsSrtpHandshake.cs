using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace InterCom.Core.Security.Dtls;

/// <summary>What a DTLS handshake refused: the peer's certificate is not the one its SDP named, or no SRTP profile was agreed.</summary>
internal sealed class DtlsSrtpException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// DTLS-SRTP (RFC 5763, RFC 5764) over one datagram transport: a DTLS 1.2 handshake in either role with
/// ECDHE-ECDSA, each side's certificate checked against the fingerprint its SDP gave, the use_srtp
/// extension agreeing AES_CM_128_HMAC_SHA1_80, and the SRTP keys taken from the DTLS exporter (each
/// direction its own: the client's write key is the server's read key).
/// </summary>
internal static class DtlsSrtpHandshake
{
    private const int KeyLength = 16;

    /// <summary>How long a handshake may take before it fails: a peer that never answers is not waited for.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Runs the handshake (blocking until it ends or fails) and returns the call's SRTP session.</summary>
    /// <param name="transport">The datagrams to and from the peer (DTLS's alone: already demultiplexed).</param>
    /// <param name="server">This end's role: <see langword="true"/> for DTLS server (SDP <c>a=setup:passive</c>).</param>
    /// <param name="local">This end's certificate.</param>
    /// <param name="remoteFingerprint">The peer's fingerprint, from its SDP.</param>
    /// <exception cref="DtlsSrtpException">The fingerprint does not match, no profile was agreed, or the handshake failed.</exception>
    public static SrtpSession Run(DatagramTransport transport, bool server, DtlsCertificate local, string remoteFingerprint)
    {
        var crypto = new BcTlsCrypto(new SecureRandom());
        try
        {
            if (server)
            {
                var peer = new Server(crypto, local, remoteFingerprint);
                _ = new DtlsServerProtocol().Accept(peer, transport); // the keys are what is wanted; no DTLS data follows
                return peer.Keys.ToSession(server: true);
            }
            else
            {
                var peer = new Client(crypto, local, remoteFingerprint);
                _ = new DtlsClientProtocol().Connect(peer, transport);
                return peer.Keys.ToSession(server: false);
            }
        }
        catch (TlsFatalAlert e) when (e.InnerException is DtlsSrtpException refused)
        {
            throw refused;
        }
        catch (TlsFatalAlertReceived e)
        {
            throw new DtlsSrtpException($"The peer ended the DTLS handshake: {AlertDescription.GetText(e.AlertDescription)}.", e);
        }
        catch (IOException e)
        {
            throw new DtlsSrtpException($"The DTLS handshake failed: {e.Message}", e); // a TLS error, a timeout, the transport gone
        }
    }

    private static readonly int[] s_profiles = [SrtpProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80];

    private static readonly int[] s_cipherSuites = [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256];

    private static BcDefaultTlsCredentialedSigner Signer(TlsContext context, BcTlsCrypto crypto, DtlsCertificate local)
    {
        var chain = new Certificate([crypto.CreateCertificate(local.Der)]);
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, local.PrivateKey, chain, new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
    }

    /// <summary>Refuses a certificate that is not the one the peer's SDP named (RFC 5763 section 5).</summary>
    private static void Check(Certificate? certificate, string expected)
    {
        if (certificate is null || certificate.IsEmpty)
        {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, new DtlsSrtpException("The peer sent no certificate: its SDP fingerprint cannot be checked."));
        }

        string actual = DtlsCertificate.FingerprintOf(certificate.GetCertificateAt(0).GetEncoded());
        if (!DtlsCertificate.SameFingerprint(actual, expected))
        {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, new DtlsSrtpException($"The peer's certificate is {actual}, not the {expected} its SDP named: the call is refused."));
        }
    }

    /// <summary>The exporter's 60 bytes, split as RFC 5764 section 4.2 lays them out.</summary>
    private sealed class Keys
    {
        private byte[]? _material;

        public void Export(TlsContext context) => _material = context.ExportKeyingMaterial(ExporterLabel.dtls_srtp, null, 2 * (KeyLength + SrtpAesCm.SaltLength));

        public SrtpSession ToSession(bool server)
        {
            byte[] m = _material ?? throw new DtlsSrtpException("The DTLS handshake ended without SRTP keys.");
            ReadOnlySpan<byte> clientKey = m.AsSpan(0, KeyLength), serverKey = m.AsSpan(KeyLength, KeyLength);
            ReadOnlySpan<byte> clientSalt = m.AsSpan(2 * KeyLength, SrtpAesCm.SaltLength), serverSalt = m.AsSpan((2 * KeyLength) + SrtpAesCm.SaltLength, SrtpAesCm.SaltLength);
            SrtpSession session = server
                ? SrtpSession.ForDirections(serverKey, serverSalt, clientKey, clientSalt)
                : SrtpSession.ForDirections(clientKey, clientSalt, serverKey, serverSalt);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(m);
            return session;
        }
    }

    private sealed class Server(BcTlsCrypto crypto, DtlsCertificate local, string remoteFingerprint) : DefaultTlsServer(crypto)
    {
        public Keys Keys { get; } = new();

        public override int GetHandshakeTimeoutMillis() => (int)Timeout.TotalMilliseconds;

        protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

        protected override int[] GetSupportedCipherSuites() => s_cipherSuites;

        protected override TlsCredentialedSigner GetECDsaSignerCredentials() => Signer(m_context, crypto, local);

        public override CertificateRequest GetCertificateRequest()
            => new([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign], TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context), null);

        public override void NotifyClientCertificate(Certificate clientCertificate) => Check(clientCertificate, remoteFingerprint);

        public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
        {
            base.ProcessClientExtensions(clientExtensions);
            UseSrtpData? offered = TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions);
            if (offered is null || !offered.ProtectionProfiles.Contains(s_profiles[0]))
            {
                throw new TlsFatalAlert(AlertDescription.handshake_failure, new DtlsSrtpException("The peer offered no SRTP profile this end has (AES_CM_128_HMAC_SHA1_80)."));
            }
        }

        public override IDictionary<int, byte[]> GetServerExtensions()
        {
            IDictionary<int, byte[]> extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetServerExtensions());
            TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(s_profiles, TlsUtilities.EmptyBytes));
            return extensions;
        }

        public override void NotifyHandshakeComplete()
        {
            base.NotifyHandshakeComplete();
            Keys.Export(m_context);
        }
    }

    private sealed class Client(BcTlsCrypto crypto, DtlsCertificate local, string remoteFingerprint) : DefaultTlsClient(crypto)
    {
        public Keys Keys { get; } = new();

        public override int GetHandshakeTimeoutMillis() => (int)Timeout.TotalMilliseconds;

        protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

        protected override int[] GetSupportedCipherSuites() => s_cipherSuites;

        public override IDictionary<int, byte[]> GetClientExtensions()
        {
            IDictionary<int, byte[]> extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetClientExtensions());
            TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(s_profiles, TlsUtilities.EmptyBytes));
            return extensions;
        }

        public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
        {
            base.ProcessServerExtensions(serverExtensions);
            if (TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions) is not { } chosen || !chosen.ProtectionProfiles.Contains(s_profiles[0]))
            {
                throw new TlsFatalAlert(AlertDescription.handshake_failure, new DtlsSrtpException("The peer agreed no SRTP profile this end has (AES_CM_128_HMAC_SHA1_80)."));
            }
        }

        public override TlsAuthentication GetAuthentication() => new Authentication(this);

        public override void NotifyHandshakeComplete()
        {
            base.NotifyHandshakeComplete();
            Keys.Export(m_context);
        }

        private sealed class Authentication(Client owner) : TlsAuthentication
        {
            public void NotifyServerCertificate(TlsServerCertificate serverCertificate) => Check(serverCertificate.Certificate, owner.RemoteFingerprint);

            public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest) => Signer(owner.Context, owner.BcCrypto, owner.Local);
        }

        internal string RemoteFingerprint => remoteFingerprint;

        internal TlsContext Context => m_context;

        internal BcTlsCrypto BcCrypto => crypto;

        internal DtlsCertificate Local => local;
    }
}
