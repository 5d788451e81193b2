using System.Net;
using System.Net.Sockets;
using InterCom.Core.Rtp;
using InterCom.Core.Security;
using InterCom.Core.Security.Dtls;
using Org.BouncyCastle.Tls;

namespace InterCom.Core.Tests;

/// <summary>DTLS-SRTP (RFC 5763/5764) between two ends over real UDP sockets: keys agreed per direction, and a certificate that is not the SDP's refused.</summary>
public sealed class DtlsSrtpTests
{
    [Fact]
    public async Task Two_ends_agree_srtp_keys_and_each_reads_what_the_other_protects()
    {
        DtlsCertificate serverCertificate = DtlsCertificate.Generate(), clientCertificate = DtlsCertificate.Generate();
        Assert.Matches("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$", serverCertificate.Fingerprint);
        Assert.NotEqual(serverCertificate.Fingerprint, clientCertificate.Fingerprint);
        (LoopbackDatagrams a, LoopbackDatagrams b) = LoopbackDatagrams.Pair();
        using (a)
        using (b)
        {
            Task<SrtpSession> server = Task.Run(() => DtlsSrtpHandshake.Run(a, server: true, serverCertificate, clientCertificate.Fingerprint));
            Task<SrtpSession> client = Task.Run(() => DtlsSrtpHandshake.Run(b, server: false, clientCertificate, serverCertificate.Fingerprint));
            using SrtpSession serverSrtp = await server.WaitAsync(TimeSpan.FromSeconds(20));
            using SrtpSession clientSrtp = await client.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(SrtpProfile.AesCm128HmacSha1_80, serverSrtp.Profile);

            foreach ((SrtpSession from, SrtpSession to, uint ssrc) in new[] { (clientSrtp, serverSrtp, 0x11111111u), (serverSrtp, clientSrtp, 0x22222222u) })
            {
                var packet = new byte[12 + 40 + SrtpSession.TagLength];
                new RtpHeader(111, 7, 480, ssrc, true).Write(packet);
                packet.AsSpan(12, 40).Fill(0x42);
                int length = from.ProtectRtp(packet, 52);
                var plain = new byte[length];
                Assert.Equal(SrtpResult.Ok, to.UnprotectRtp(packet.AsSpan(0, length), plain, out int plainLength));
                Assert.All(plain[12..plainLength], x => Assert.Equal(0x42, x));
                Assert.Equal(SrtpResult.Authentication, from.UnprotectRtp(packet.AsSpan(0, length), plain, out _)); // each direction its own key
            }
        }
    }

    [Fact]
    public async Task A_certificate_that_is_not_the_one_the_sdp_named_refuses_the_call_with_a_clear_error()
    {
        DtlsCertificate serverCertificate = DtlsCertificate.Generate(), clientCertificate = DtlsCertificate.Generate(), impostor = DtlsCertificate.Generate();
        (LoopbackDatagrams a, LoopbackDatagrams b) = LoopbackDatagrams.Pair();
        using (a)
        using (b)
        {
            Task<SrtpSession> server = Task.Run(() => DtlsSrtpHandshake.Run(a, server: true, serverCertificate, impostor.Fingerprint));
            Task<SrtpSession> client = Task.Run(() => DtlsSrtpHandshake.Run(b, server: false, clientCertificate, serverCertificate.Fingerprint));
            DtlsSrtpException refused = await Assert.ThrowsAsync<DtlsSrtpException>(() => server.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Contains("not the " + impostor.Fingerprint, refused.Message, StringComparison.Ordinal);
            DtlsSrtpException told = await Assert.ThrowsAsync<DtlsSrtpException>(() => client.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Contains("bad_certificate", told.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_peer_that_never_answers_fails_the_handshake_after_its_timeout_instead_of_hanging()
    {
        (LoopbackDatagrams a, LoopbackDatagrams b) = LoopbackDatagrams.Pair();
        using (a)
        using (b)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Task<SrtpSession> client = Task.Run(() => DtlsSrtpHandshake.Run(b, server: false, DtlsCertificate.Generate(), DtlsCertificate.Generate().Fingerprint));
            DtlsSrtpException failed = await Assert.ThrowsAsync<DtlsSrtpException>(() => client.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.InRange(clock.Elapsed.TotalSeconds, DtlsSrtpHandshake.Timeout.TotalSeconds - 1, DtlsSrtpHandshake.Timeout.TotalSeconds + 10);
            Assert.Contains("DTLS handshake failed", failed.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>One end of a UDP pair on loopback as BouncyCastle's datagram transport.</summary>
    private sealed class LoopbackDatagrams(Socket socket, EndPoint peer) : DatagramTransport, IDisposable
    {
        public static (LoopbackDatagrams, LoopbackDatagrams) Pair()
        {
            var a = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var b = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            a.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            b.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return (new LoopbackDatagrams(a, b.LocalEndPoint!), new LoopbackDatagrams(b, a.LocalEndPoint!));
        }

        public int GetReceiveLimit() => 1500;

        public int GetSendLimit() => 1200;

        public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

        public int Receive(Span<byte> buffer, int waitMillis)
        {
            if (!socket.Poll(TimeSpan.FromMilliseconds(waitMillis), SelectMode.SelectRead))
            {
                return -1;
            }

            return socket.Receive(buffer);
        }

        public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

        public void Send(ReadOnlySpan<byte> buffer) => socket.SendTo(buffer, SocketFlags.None, peer);

        public void Close()
        {
        }

        public void Dispose() => socket.Dispose();
    }
}
