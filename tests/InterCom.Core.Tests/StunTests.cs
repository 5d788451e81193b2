using System.Net;
using InterCom.Core.Ice;

namespace InterCom.Core.Tests;

/// <summary>STUN messages (RFC 8489) read and written on spans, against RFC 5769's test vectors, and what malformed input does.</summary>
public sealed class StunTests
{
    private const string ShortTermPassword = "VOkJxbRl1RmTxUk/WvJxBt";

    private static readonly byte[] s_transactionId = [0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae];

    // RFC 5769 section 2.1: a Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT.
    private static readonly byte[] s_request = Hex(
        "000100582112a442b7e7a701bc34d686fa87dfae" +
        "802200105354554e20746573742063" + "6c69656e74" +
        "002400046e0001ff" +
        "80290008932ff9b151263b36" +
        "00060009657674" + "6a3a68367659202020" +
        "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2" +
        "80280004e57a3bcf");

    // RFC 5769 section 2.2: a Binding success response, XOR-MAPPED-ADDRESS 192.0.2.1:32853.
    private static readonly byte[] s_responseV4 = Hex(
        "0101003c2112a442b7e7a701bc34d686fa87dfae" +
        "8022000b7465737420766563746f7220" +
        "0020000800" + "01a147e112a643" +
        "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7" +
        "80280004c07d4c96");

    // RFC 5769 section 2.3: the same with the IPv6 address 2001:db8:1234:5678:11:2233:4455:6677.
    private static readonly byte[] s_responseV6 = Hex(
        "010100482112a442b7e7a701bc34d686fa87dfae" +
        "8022000b7465737420766563746f7220" +
        "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9" +
        "00080014a382954e4be67bf11784c97c8292c275bfe3ed41" +
        "80280004c8fb0b4c");

    // RFC 5769 section 2.4: a request under long-term credentials (USERNAME "マトリックス", NONCE, REALM "example.org"), no FINGERPRINT.
    private static readonly byte[] s_longTermRequest = Hex(
        "000100602112a44278ad3433c6ad72c029da412e" +
        "00060012e3839ee38388e383aae38383e382afe382b90000" +
        "0015001c662f2f3439396b39353464364f4c33346f4c394653547679363473" + "41" +
        "0014000b6578616d706c652e6f726700" +
        "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666");

    [Fact]
    public void The_sample_request_reads_and_its_integrity_and_fingerprint_verify_with_the_password_only()
    {
        Assert.True(StunReader.TryRead(s_request, out StunReader message));
        Assert.Equal((StunMethod.Binding, StunClass.Request), (message.Method, message.Class));
        Assert.Equal(s_transactionId, message.TransactionId.ToArray());
        Assert.True(message.TryGet(StunAttribute.Username, out ReadOnlySpan<byte> user));
        Assert.Equal("evtj:h6vY", System.Text.Encoding.UTF8.GetString(user));
        Assert.True(message.TryGetUInt32(StunAttribute.Priority, out uint priority));
        Assert.Equal(0x6e0001ffu, priority);
        Assert.True(message.TryGetUInt64(StunAttribute.IceControlled, out ulong tieBreaker));
        Assert.Equal(0x932ff9b151263b36ul, tieBreaker);
        Assert.True(message.VerifyIntegrity(StunCredentials.ShortTermKey(ShortTermPassword)));
        Assert.False(message.VerifyIntegrity(StunCredentials.ShortTermKey(ShortTermPassword[..^1])));
        Assert.True(message.VerifyFingerprint());
    }

    [Fact]
    public void The_sample_request_is_written_byte_for_byte()
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMethod.Binding, StunClass.Request, s_transactionId);
        writer.Add(StunAttribute.Software, "STUN test client"u8);
        writer.AddUInt32(StunAttribute.Priority, 0x6e0001ff);
        writer.AddUInt64(StunAttribute.IceControlled, 0x932ff9b151263b36);
        writer.AddString(StunAttribute.Username, "evtj:h6vY");
        int at = writer.Length;
        buffer.AsSpan(at - 3, 3).Fill(0x20); // the RFC pads USERNAME with spaces (any padding is allowed; ours is zeros)
        writer.AddIntegrity(StunCredentials.ShortTermKey(ShortTermPassword));
        int length = writer.AddFingerprint();
        Assert.Equal(s_request, buffer[..length]);
    }

    [Theory]
    [InlineData(false, "192.0.2.1", 32853)]
    [InlineData(true, "2001:db8:1234:5678:11:2233:4455:6677", 32853)]
    public void The_sample_responses_carry_their_mapped_address_and_verify(bool v6, string address, int port)
    {
        byte[] datagram = v6 ? s_responseV6 : s_responseV4;
        Assert.True(StunReader.TryRead(datagram, out StunReader message));
        Assert.Equal((StunMethod.Binding, StunClass.SuccessResponse), (message.Method, message.Class));
        Assert.True(message.TryGetAddress(StunAttribute.XorMappedAddress, out IPEndPoint? mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), mapped);
        Assert.True(message.VerifyIntegrity(StunCredentials.ShortTermKey(ShortTermPassword)));
        Assert.True(message.VerifyFingerprint());

        // Written again: the same XOR-MAPPED-ADDRESS value.
        var buffer = new byte[64];
        var writer = new StunWriter(buffer, StunMethod.Binding, StunClass.SuccessResponse, s_transactionId);
        writer.AddXorAddress(StunAttribute.XorMappedAddress, mapped!);
        int attribute = v6 ? 24 : 12;
        Assert.Equal(datagram.AsSpan(36, attribute).ToArray(), buffer.AsSpan(StunReader.HeaderSize, attribute).ToArray()); // after the 16-byte SOFTWARE
    }

    [Fact]
    public void The_long_term_sample_verifies_under_the_md5_key_of_user_realm_and_password()
    {
        Assert.True(StunReader.TryRead(s_longTermRequest, out StunReader message));
        Assert.True(message.TryGet(StunAttribute.Username, out ReadOnlySpan<byte> user));
        Assert.Equal("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", System.Text.Encoding.UTF8.GetString(user));
        Assert.True(message.TryGet(StunAttribute.Realm, out ReadOnlySpan<byte> realm));
        Assert.Equal("example.org", System.Text.Encoding.UTF8.GetString(realm));
        Assert.True(message.TryGet(StunAttribute.Nonce, out ReadOnlySpan<byte> nonce));
        Assert.Equal("f//499k954d6OL34oL9FSTvy64sA", System.Text.Encoding.UTF8.GetString(nonce));
        Assert.True(message.VerifyIntegrity(StunCredentials.LongTermKey("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", "example.org", "TheMatrIX")));
        Assert.False(message.VerifyIntegrity(StunCredentials.LongTermKey("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", "example.org", "TheMatrix")));
        Assert.False(message.HasFingerprint);
        Assert.False(message.VerifyFingerprint());
    }

    [Fact]
    public void A_written_request_with_an_error_and_a_flag_reads_back()
    {
        var buffer = new byte[128];
        byte[] id = [.. Enumerable.Range(1, 12).Select(i => (byte)i)];
        var writer = new StunWriter(buffer, StunMethod.Allocate, StunClass.ErrorResponse, id);
        writer.AddError(401, "Unauthorized");
        writer.AddFlag(StunAttribute.UseCandidate);
        writer.AddXorAddress(StunAttribute.XorRelayedAddress, new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.7"), 49152));
        writer.AddIntegrity("k"u8);
        int length = writer.AddFingerprint();

        Assert.True(StunReader.TryRead(buffer.AsSpan(0, length), out StunReader message));
        Assert.Equal((StunMethod.Allocate, StunClass.ErrorResponse), (message.Method, message.Class));
        Assert.Equal(401, message.ErrorCode);
        Assert.True(message.TryGet(StunAttribute.UseCandidate, out ReadOnlySpan<byte> flag) && flag.IsEmpty);
        Assert.True(message.TryGetAddress(StunAttribute.XorRelayedAddress, out IPEndPoint? relayed));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.7"), 49152), relayed);
        Assert.True(message.VerifyIntegrity("k"u8));
        Assert.True(message.VerifyFingerprint());
    }

    [Theory]
    [InlineData("truncated header", 0, 19)]
    [InlineData("length not the datagram's", 3, 0x5C)]
    [InlineData("length not a multiple of four", 3, 0x57)]
    [InlineData("top bits set", 0, 0x40)]
    [InlineData("wrong magic cookie", 4, 0x22)]
    [InlineData("an attribute running past the end", 22, 0xFF)]
    public void Malformed_messages_are_refused_without_throwing(string why, int at, int value)
    {
        byte[] datagram = (byte[])s_request.Clone();
        if (why == "truncated header")
        {
            datagram = datagram[..value];
        }
        else
        {
            datagram[at] = (byte)value;
        }

        Assert.False(StunReader.TryRead(datagram, out _), why);
    }

    [Fact]
    public void A_flipped_bit_anywhere_fails_the_integrity_or_the_fingerprint()
    {
        byte[] key = StunCredentials.ShortTermKey(ShortTermPassword);
        for (int i = StunReader.HeaderSize; i < s_request.Length; i++)
        {
            byte[] datagram = (byte[])s_request.Clone();
            datagram[i] ^= 0x01;
            if (StunReader.TryRead(datagram, out StunReader message))
            {
                Assert.False(message.VerifyIntegrity(key) && message.VerifyFingerprint(), $"byte {i} flipped");
            }
        }
    }

    [Theory]
    [InlineData(0x00, true)]   // STUN
    [InlineData(0x17, false)]  // DTLS
    [InlineData(0x80, false)]  // RTP
    public void Stun_is_told_from_dtls_and_rtp_by_its_first_byte_and_cookie(int first, bool stun)
    {
        byte[] datagram = (byte[])s_request.Clone();
        datagram[0] = (byte)first;
        Assert.Equal(stun, StunReader.IsStun(datagram));
    }

    [Fact]
    public void The_crc32_is_zlibs()
        => Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);
}
