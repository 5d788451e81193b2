using System.Buffers.Binary;
using InterCom.Core.Security;

namespace InterCom.Core.Tests;

/// <summary>SRTP/SRTCP with AEAD_AES_128_GCM: the RFCs' test vectors, then what a receiver must refuse.</summary>
public sealed class SrtpTests
{
    // RFC 7714 section 16 and 17 (AEAD_AES_128_GCM): session key and salt given directly.
    private static readonly byte[] VectorKey = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] VectorSalt = Convert.FromHexString("517569642070726f2071756f");
    private static readonly byte[] VectorRtp = Convert.FromHexString(
        "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573");
    private static readonly byte[] VectorSrtp = Convert.FromHexString(
        "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce");
    private static readonly byte[] VectorRtcp = Convert.FromHexString(
        "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef");
    private static readonly byte[] VectorSrtcp = Convert.FromHexString(
        "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4");

    [Fact]
    public void Key_derivation_matches_rfc_3711_appendix_b3()
    {
        byte[] masterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
        byte[] masterSalt = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");
        var cipherKey = new byte[16];
        var cipherSalt = new byte[14];
        var authKey = new byte[20];
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.RtpEncryption, cipherKey);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.RtpSalt, cipherSalt);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.RtpAuthentication, authKey);
        Assert.Equal("C61E7A93744F39EE10734AFE3FF7A087", Convert.ToHexString(cipherKey));
        Assert.Equal("30CBBC08863D8C85D49DB34A9AE1", Convert.ToHexString(cipherSalt));
        Assert.Equal("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4", Convert.ToHexString(authKey));
    }

    [Fact]
    public void Initialization_vectors_match_rfc_7714()
    {
        Span<byte> iv = stackalloc byte[12];
        SrtpSession.RtpIv(iv, VectorSalt, 0x5501a0b2, roc: 0, seq: 0xf17b);
        Assert.Equal("51753C6580C2726F20718414", Convert.ToHexString(iv));
        SrtpSession.RtcpIv(iv, VectorSalt, 0x4d617273, 0x5d4);
        Assert.Equal("517524055203726F207170BB", Convert.ToHexString(iv));
    }

    [Fact]
    public void Rtp_encryption_and_decryption_match_rfc_7714_section_16()
    {
        using var sender = Vectors();
        var packet = new byte[VectorRtp.Length + SrtpSession.TagLength];
        VectorRtp.CopyTo(packet, 0);
        Assert.Equal(VectorSrtp.Length, sender.ProtectRtp(packet, VectorRtp.Length));
        Assert.Equal(VectorSrtp, packet);

        using var receiver = Vectors();
        var plain = new byte[VectorSrtp.Length];
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(VectorSrtp, plain, out int length));
        Assert.Equal(VectorRtp, plain[..length]);
    }

    [Fact]
    public void Rtcp_encryption_and_decryption_match_rfc_7714_section_17()
    {
        using var sender = Vectors();
        sender.SetNextRtcpIndex(0x4d617273, 0x5d4);
        var output = new byte[VectorRtcp.Length + SrtpSession.SrtcpOverhead];
        Assert.Equal(VectorSrtcp.Length, sender.ProtectRtcp(VectorRtcp, output));
        Assert.Equal(VectorSrtcp, output);

        using var receiver = Vectors();
        var plain = new byte[VectorSrtcp.Length];
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(VectorSrtcp, plain, out int length));
        Assert.Equal(VectorRtcp, plain[..length]);
        Assert.Equal(SrtpResult.Replay, receiver.UnprotectRtcp(VectorSrtcp, plain, out _));
    }

    [Fact]
    public void A_wrong_key_a_tampered_byte_and_a_replay_are_each_refused_for_what_they_are()
    {
        var key = SrtpMasterKey.Generate();
        using var sender = new SrtpSession(key);
        using var receiver = new SrtpSession(key);
        using var stranger = new SrtpSession(SrtpMasterKey.Generate());
        byte[] packet = Protect(sender, seq: 100);
        var plain = new byte[packet.Length];

        Assert.Equal(SrtpResult.Authentication, stranger.UnprotectRtp(packet, plain, out _));
        foreach (int at in new[] { 1, 8, 20, packet.Length - 1 }) // header (associated data), payload, tag
        {
            byte[] tampered = (byte[])packet.Clone();
            tampered[at] ^= 0x01;
            Assert.Equal(SrtpResult.Authentication, receiver.UnprotectRtp(tampered, plain, out _));
        }

        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packet, plain, out int length));
        Assert.Equal(Payload(100), plain.AsSpan(12, length - 12).ToArray());
        Assert.Equal(SrtpResult.Replay, receiver.UnprotectRtp(packet, plain, out _));
        Assert.Equal(SrtpResult.Malformed, receiver.UnprotectRtp(packet.AsSpan(0, 20), plain, out _)); // shorter than header + tag
    }

    [Fact]
    public void The_rollover_counter_follows_a_sequence_wrap_and_reordering_within_the_window_is_accepted()
    {
        var key = SrtpMasterKey.Generate();
        using var sender = new SrtpSession(key);
        using var receiver = new SrtpSession(key);
        var plain = new byte[200];
        byte[][] packets = [.. Enumerable.Range(65_500, 100).Select(i => Protect(sender, (ushort)i))]; // 65500..65535, then 0..63 under ROC 1
        for (int i = 0; i < packets.Length; i += 2)
        {
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packets[i], plain, out _));
        }

        for (int i = 61; i < packets.Length; i += 2) // late, out of order, still within 64 of the highest
        {
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packets[i], plain, out int length));
            Assert.Equal(Payload((ushort)(65_500 + i)), plain.AsSpan(12, length - 12).ToArray());
        }

        Assert.Equal(SrtpResult.Replay, receiver.UnprotectRtp(packets[1], plain, out _)); // 98 behind: outside the window
    }

    [Fact]
    public void Rtcp_round_trips_and_is_refused_when_tampered_or_replayed()
    {
        var key = SrtpMasterKey.Generate();
        using var sender = new SrtpSession(key);
        using var receiver = new SrtpSession(key);
        var rtcp = new byte[64];
        int length = Rtp.RtcpWriter.WriteBye(rtcp, [0x01020304], "bye");
        var first = new byte[length + SrtpSession.SrtcpOverhead];
        var second = new byte[length + SrtpSession.SrtcpOverhead];
        sender.ProtectRtcp(rtcp.AsSpan(0, length), first);
        sender.ProtectRtcp(rtcp.AsSpan(0, length), second);
        Assert.NotEqual(first, second); // a new index, so a new IV and ciphertext

        var plain = new byte[first.Length];
        byte[] tampered = (byte[])second.Clone();
        tampered[^1] ^= 0x02; // the index word is authenticated too
        Assert.Equal(SrtpResult.Authentication, receiver.UnprotectRtcp(tampered, plain, out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(second, plain, out int plainLength));
        Assert.Equal(rtcp.AsSpan(0, length).ToArray(), plain[..plainLength]);
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(first, plain, out _));
        Assert.Equal(SrtpResult.Replay, receiver.UnprotectRtcp(first, plain, out _));
    }

    [Fact]
    public void A_master_key_is_read_from_base64_and_bad_text_is_refused_without_echoing_it()
    {
        SrtpMasterKey key = SrtpMasterKey.Generate();
        string text = key.ToBase64();
        Assert.Equal(40, text.Length);
        Assert.Equal(key.Key.ToArray(), SrtpMasterKey.Parse($"  {text}\n").Key.ToArray());
        Assert.NotEqual(text, SrtpMasterKey.Generate().ToBase64());
        Assert.DoesNotContain(text, key.ToString(), StringComparison.Ordinal);

        var notBase64 = Assert.Throws<FormatException>(() => SrtpMasterKey.Parse("secret-not-base64!"));
        Assert.DoesNotContain("secret", notBase64.Message, StringComparison.Ordinal);
        var tooShort = Assert.Throws<FormatException>(() => SrtpMasterKey.Parse(Convert.ToBase64String(new byte[16])));
        Assert.Contains("16 bytes", tooShort.Message, StringComparison.Ordinal);
    }

    private static SrtpSession Vectors() => SrtpSession.FromSessionKeys(VectorKey, VectorSalt, VectorKey, VectorSalt);

    private static byte[] Payload(ushort seq) => [.. Enumerable.Range(0, 40).Select(i => (byte)(seq + i))];

    private static byte[] Protect(SrtpSession session, ushort seq)
    {
        byte[] payload = Payload(seq);
        var packet = new byte[12 + payload.Length + SrtpSession.TagLength];
        new Rtp.RtpHeader(111, seq, seq * 480u, 0xCAFEF00D, false).Write(packet);
        payload.CopyTo(packet, 12);
        int length = session.ProtectRtp(packet, 12 + payload.Length);
        Assert.Equal(packet.Length, length);
        return packet;
    }
}
