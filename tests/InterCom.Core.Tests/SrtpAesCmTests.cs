using System.Globalization;
using System.Net;
using System.Net.Sockets;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Rtp;
using InterCom.Core.Security;

namespace InterCom.Core.Tests;

/// <summary>
/// SRTP's AES_CM_128_HMAC_SHA1_80 profile (RFC 3711), the one every browser offers: its keystream
/// against the RFC's test vector (the key derivation's is in <see cref="SrtpTests"/>), protection both ways, and libsrtp (GStreamer's
/// srtpenc and srtpdec) as the independent peer.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class SrtpAesCmTests
{
    private static readonly byte[] s_masterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static readonly byte[] s_masterSalt = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");

    [Fact]
    public void The_keystream_is_rfc_3711_b2s()
    {
        using var cm = new SrtpAesCm(
            Convert.FromHexString("2B7E151628AED2A6ABF7158809CF4F3C"), Convert.FromHexString("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"), new byte[20]);
        var data = new byte[48];
        cm.Apply(data, ssrc: 0, index: 0);
        Assert.Equal("E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0", Convert.ToHexString(data));
        cm.Apply(data, ssrc: 0, index: 0);
        Assert.All(data, b => Assert.Equal(0, b)); // its own inverse
    }

    [Fact]
    public void Rtp_and_rtcp_round_trip_and_a_changed_byte_a_replay_or_another_key_are_refused()
    {
        using var sender = new SrtpSession(SrtpProfile.AesCm128HmacSha1_80, s_masterKey, s_masterSalt);
        using var receiver = new SrtpSession(SrtpProfile.AesCm128HmacSha1_80, s_masterKey, s_masterSalt);
        using var stranger = new SrtpSession(SrtpProfile.AesCm128HmacSha1_80, s_masterSalt[..14].Concat(s_masterKey[..2]).ToArray(), s_masterSalt);
        Assert.Equal(10, sender.RtpTagLength);
        byte[] payload = [.. Enumerable.Range(0, 60).Select(i => (byte)i)];
        var packet = new byte[12 + payload.Length + SrtpSession.TagLength];
        new RtpHeader(111, 65535, 1234, 0xCAFEBABE, false).Write(packet);
        payload.CopyTo(packet, 12);
        int length = sender.ProtectRtp(packet, 12 + payload.Length);
        Assert.Equal(12 + payload.Length + 10, length);
        Assert.NotEqual(payload, packet[12..(12 + payload.Length)]);

        var output = new byte[length];
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packet.AsSpan(0, length), output, out int plain));
        Assert.Equal(payload, output[12..plain]);
        Assert.Equal(SrtpResult.Replay, receiver.UnprotectRtp(packet.AsSpan(0, length), output, out _));
        Assert.Equal(SrtpResult.Authentication, stranger.UnprotectRtp(packet.AsSpan(0, length), output, out _));
        packet[20] ^= 1;
        Assert.Equal(SrtpResult.Authentication, new SrtpSession(SrtpProfile.AesCm128HmacSha1_80, s_masterKey, s_masterSalt).UnprotectRtp(packet.AsSpan(0, length), output, out _));

        // The next packet wraps the sequence number: the rollover counter goes into its keystream and tag.
        new RtpHeader(111, 0, 1714, 0xCAFEBABE, false).Write(packet);
        payload.CopyTo(packet, 12);
        length = sender.ProtectRtp(packet, 12 + payload.Length);
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packet.AsSpan(0, length), output, out plain));
        Assert.Equal(payload, output[12..plain]);

        byte[] rtcp = new byte[28];
        rtcp[0] = 0x80;
        rtcp[1] = 200;
        rtcp[3] = 6;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rtcp.AsSpan(4), 0xCAFEBABE);
        rtcp.AsSpan(8).Fill(0x5A);
        var srtcp = new byte[rtcp.Length + SrtpSession.SrtcpOverhead];
        int srtcpLength = sender.ProtectRtcp(rtcp, srtcp);
        Assert.Equal(rtcp.Length + 14, srtcpLength); // E and index, then the 10-byte tag
        var back = new byte[srtcpLength];
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(srtcp.AsSpan(0, srtcpLength), back, out int rtcpLength));
        Assert.Equal(rtcp, back[..rtcpLength]);
        Assert.Equal(SrtpResult.Replay, receiver.UnprotectRtcp(srtcp.AsSpan(0, srtcpLength), back, out _));
        srtcp[10] ^= 1;
        Assert.Equal(SrtpResult.Authentication, stranger.UnprotectRtcp(srtcp.AsSpan(0, srtcpLength), back, out _));
    }

    [Fact]
    public async Task We_decrypt_and_play_what_libsrtp_protects()
    {
        byte[] keyAndSalt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(30);
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
        Task<(int, string)> gst = GStreamerInteropTests.GstLaunchAsync(
            "audiotestsrc freq=1000 volume=0.25 is-live=true samplesperbuffer=480 num-buffers=200 ! audioconvert ! audio/x-raw,rate=48000,channels=1 " +
            $"! opusenc frame-size=10 ! rtpopuspay pt=111 ! srtpenc key={Convert.ToHexString(keyAndSalt)} rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 " +
            $"rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80 ! udpsink host=127.0.0.1 port={port}");

        using var srtp = new SrtpSession(SrtpProfile.AesCm128HmacSha1_80, keyAndSalt.AsSpan(0, 16), keyAndSalt.AsSpan(16, 14));
        using IAudioDecoder decoder = AudioCodecFactory.CreateDecoder(AudioCodec.Opus, AudioFormat.Mono48k);
        var pcm = new List<float>();
        var frame = new float[5760];
        var plain = new byte[1500];
        int ok = 0, refused = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (ok + refused < 200 && !timeout.IsCancellationRequested)
        {
            UdpReceiveResult datagram;
            try
            {
                datagram = await socket.ReceiveAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (srtp.UnprotectRtp(datagram.Buffer, plain, out int length) != SrtpResult.Ok)
            {
                refused++;
                continue;
            }

            ok++;
            Assert.True(RtpHeader.TryParse(plain.AsSpan(0, length), out _, out int offset, out int payloadLength));
            int samples = decoder.Decode(plain.AsSpan(offset, payloadLength), frame);
            pcm.AddRange(frame.AsSpan(0, Math.Max(0, samples)));
        }

        (int code, string log) = await gst;
        Assert.True(code == 0, log);
        Assert.True(ok >= 190 && refused == 0, $"{ok} packets authenticated, {refused} refused");
        float[] heard = [.. pcm];
        double level = SignalAnalysis.MedianToneAmplitude(heard.AsSpan(9_600, heard.Length - 19_200), 1000);
        Assert.True(level > 0.15, $"libsrtp's 1 kHz tone at {level:F3} once decrypted (sent at 0.25)");
    }

    [Fact]
    public async Task Libsrtp_decrypts_what_we_protect()
    {
        byte[] keyAndSalt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(30);
        int port = Ports.FreeUdp();
        const uint Ssrc = 0x1234ABCD;
        string raw = Path.Combine(Directory.CreateTempSubdirectory("intercom-srtp-cm-").FullName, "gst.s16");
        Task<(int, string)> gst = GStreamerInteropTests.GstLaunchAsync(
            $"udpsrc port={port} caps=\"application/x-srtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111," +
            $"ssrc=(uint){Ssrc.ToString(CultureInfo.InvariantCulture)},srtp-key=(buffer){Convert.ToHexString(keyAndSalt)},srtp-cipher=(string)aes-128-icm,srtp-auth=(string)hmac-sha1-80," +
            "srtcp-cipher=(string)aes-128-icm,srtcp-auth=(string)hmac-sha1-80\" ! srtpdec ! rtpjitterbuffer ! rtpopusdepay ! opusdec ! audioconvert " +
            $"! audio/x-raw,format=S16LE,rate=48000,channels=1 ! filesink buffer-mode=unbuffered location={raw}",
            runFor: TimeSpan.FromSeconds(5));
        await Task.Delay(TimeSpan.FromSeconds(1)); // GStreamer listening before the first packet

        using var srtp = new SrtpSession(SrtpProfile.AesCm128HmacSha1_80, keyAndSalt.AsSpan(0, 16), keyAndSalt.AsSpan(16, 14));
        using IAudioEncoder encoder = AudioCodecFactory.CreateEncoder(AudioFormat.Mono48k, new CodecOptions());
        using var tone = new ToneSource(440, AudioFormat.Mono48k);
        var packetizer = new RtpPacketizer(111, Ssrc);
        var pcm = new float[480];
        var packet = new byte[1500];
        using var socket = new UdpClient();
        var to = new IPEndPoint(IPAddress.Loopback, port);
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        for (int i = 0; i < 300; i++)
        {
            _ = tone.Read(pcm, CancellationToken.None);
            int payload = encoder.Encode(pcm, packet.AsSpan(RtpHeader.FixedSize, 1000));
            packetizer.WriteHeader(packet, 480);
            int length = srtp.ProtectRtp(packet, RtpHeader.FixedSize + payload);
            await socket.SendAsync(packet.AsMemory(0, length), to);
            await pace.WaitForNextTickAsync();
        }

        (int code, string log) = await gst;
        Assert.True(code == 0 && !log.Contains("ERROR", StringComparison.Ordinal), log);
        byte[] bytes = File.ReadAllBytes(raw);
        float[] decoded = [.. Enumerable.Range(0, bytes.Length / 2).Select(i => BitConverter.ToInt16(bytes, 2 * i) / 32768f)];
        Assert.True(decoded.Length > 48_000, $"libsrtp's side decoded {decoded.Length} samples; {log}");
        double level = SignalAnalysis.MedianToneAmplitude(decoded.AsSpan(decoded.Length / 4, decoded.Length / 2), 440);
        Assert.True(level > 0.15, $"our 440 Hz tone at {level:F3} after libsrtp decrypted it (sent at 0.25)");
    }
}
