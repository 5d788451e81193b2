using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;
using InterCom.Core.Pipelines;
using InterCom.Core.Rtp;
using InterCom.Core.Security;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Tests;

/// <summary>
/// Properties over whatever bytes arrive: the RTP, RTCP and SRTP parsers never throw, never read past
/// a datagram, and never accept what they must not; the receive path never meets an exception it did
/// not expect. FsCheck generates the inputs (and shrinks a failing one to the smallest).
/// </summary>
public sealed class HostileInputTests
{
    private static readonly SrtpMasterKey Key = SrtpMasterKey.Generate();

    /// <summary>
    /// Random datagrams, mostly 0..1600 bytes and now and then up to the largest UDP payload (65 507),
    /// a quarter of them with version 2 and a random header, a quarter also with an RTCP packet type.
    /// </summary>
    private static Arbitrary<byte[]> Datagrams() => Gen.Sized(size =>
            Gen.Frequency((20, Gen.Choose(0, 1600)), (1, Gen.Choose(1601, 65_507)))
                .SelectMany(length => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), length))
                .SelectMany(bytes => Gen.Choose(0, 3).Select(shape => Shape(bytes, shape))))
        .ToArbitrary();

    private static byte[] Shape(byte[] bytes, int shape)
    {
        if (shape == 0 && bytes.Length >= 2)
        {
            bytes[0] = (byte)(0x80 | (bytes[0] & 0x3F)); // version 2, random P, X, CC
        }
        else if (shape == 1 && bytes.Length >= 2)
        {
            bytes[0] = (byte)(0x80 | (bytes[0] & 0x3F));
            bytes[1] = (byte)(200 + (bytes[1] % 5)); // an RTCP packet type
        }

        return bytes;
    }

    [Property(MaxTest = 3000, Arbitrary = [typeof(HostileInputTests)])]
    public bool Rtp_parsing_never_throws_and_stays_inside_the_datagram(byte[] datagram)
    {
        int header = RtpHeader.HeaderLength(datagram);
        bool parsed = RtpHeader.TryParse(datagram, out _, out int offset, out int length);
        return header <= datagram.Length
            && (!parsed || (offset == header && offset + length <= datagram.Length && length >= 0));
    }

    [Property(MaxTest = 3000, Arbitrary = [typeof(HostileInputTests)])]
    public bool Rtcp_reading_never_throws_ends_and_stays_inside_the_datagram(byte[] datagram)
    {
        var reader = new RtcpCompoundReader(datagram);
        int packets = 0;
        while (reader.TryReadNext(out RtcpPacket packet))
        {
            if (++packets > datagram.Length / 4)
            {
                return false; // every packet is at least 4 bytes: more means it does not advance
            }

            for (int i = 0; i < packet.Count; i++)
            {
                _ = packet.Type switch
                {
                    RtcpPacketType.Goodbye => packet.GetByeSsrc(i),
                    RtcpPacketType.SenderReport or RtcpPacketType.ReceiverReport => packet.GetReportBlock(i).Ssrc,
                    _ => 0u, // APP, SDES: carried, not read
                };
            }
        }

        return true;
    }

    [Property(MaxTest = 1000)]
    public bool Truncated_packets_with_csrcs_extension_and_padding_are_refused_not_misread(byte csrcs, byte extensionWords, byte padding, NonNegativeInt cut)
    {
        // A valid RTP packet with every optional part, then an RTCP compound (SR + BYE), cut short anywhere.
        int cc = csrcs % 16, words = extensionWords % 8, pad = 1 + (padding % 8);
        var packet = new byte[12 + (4 * cc) + 4 + (4 * words) + 20 + pad];
        new RtpHeader(111, 1, 2, 3, false).Write(packet);
        packet[0] = (byte)(0x80 | 0x20 | 0x10 | cc); // padding, extension, CSRC count
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(12 + (4 * cc) + 2), (ushort)words);
        packet[^1] = (byte)pad;
        int header = 12 + (4 * cc) + 4 + (4 * words);
        if (!RtpHeader.TryParse(packet, out _, out int offset, out int length) || offset != header || length != 20)
        {
            return false; // the whole packet must parse exactly
        }

        int at = cut.Get % packet.Length;
        bool truncatedParses = RtpHeader.TryParse(packet.AsSpan(0, at), out _, out int o, out int l);
        bool rtpOk = !truncatedParses || (o + l <= at && o <= at);

        var rtcp = new byte[200];
        int sr = RtcpWriter.WriteSenderReport(rtcp, 7, new RtcpSenderInfo(1, 2, 3, 4), []);
        int total = sr + RtcpWriter.WriteBye(rtcp.AsSpan(sr), [7], "bye");
        int rtcpCut = cut.Get % total;
        var reader = new RtcpCompoundReader(rtcp.AsSpan(0, rtcpCut));
        int packets = 0;
        while (reader.TryReadNext(out _))
        {
            packets++;
        }

        // Cut inside the SR: nothing read, flagged; right after it: the SR, not flagged; inside the BYE:
        // the SR read, flagged.
        bool rtcpOk = rtcpCut == 0
            || (rtcpCut == sr ? !reader.IsMalformed && packets == 1 : reader.IsMalformed && packets == (rtcpCut > sr ? 1 : 0));
        return rtpOk && rtcpOk;
    }

    [Property(MaxTest = 2000, Arbitrary = [typeof(HostileInputTests)])]
    public bool Srtp_never_takes_made_up_datagrams(byte[] datagram)
    {
        using var session = new SrtpSession(Key);
        var output = new byte[Math.Max(datagram.Length, 1)];
        SrtpResult result = RtpHeader.IsRtcp(datagram)
            ? session.UnprotectRtcp(datagram, output, out _)
            : session.UnprotectRtp(datagram, output, out _);
        return result is SrtpResult.Malformed or SrtpResult.Authentication;
    }

    [Property(MaxTest = 1000)]
    public bool Any_change_to_an_srtp_packet_is_refused(PositiveInt at, byte flip, NonNegativeInt cut)
    {
        using var sender = new SrtpSession(Key);
        using var receiver = new SrtpSession(Key);
        var packet = new byte[12 + 60 + SrtpSession.TagLength];
        new RtpHeader(111, 7, 480, 0x11223344, false).Write(packet);
        int length = sender.ProtectRtp(packet, 72);
        byte[] changed = packet[..Math.Max(0, length - (cut.Get % 4 == 0 ? cut.Get % length : 0))];
        if (changed.Length > 0 && flip != 0)
        {
            changed[at.Get % changed.Length] ^= flip;
        }

        bool untouched = changed.Length == length && changed.AsSpan().SequenceEqual(packet);
        SrtpResult result = receiver.UnprotectRtp(changed, new byte[packet.Length], out _);
        return untouched ? result == SrtpResult.Ok : result != SrtpResult.Ok;
    }

    [Property(MaxTest = 3000, Arbitrary = [typeof(HostileInputTests)])]
    public bool The_receive_path_counts_every_datagram_and_meets_no_unexpected_exception(byte[] datagram)
    {
        var logger = new ErrorRecorder();
        var rig = new ReceiveRig(new CodecOptions(), logger: logger);
        var from = new IPEndPoint(IPAddress.Loopback, 5004).Serialize();
        rig.Session.OnDatagram(datagram, from);
        rig.Session.OnDatagram(datagram, from); // twice: a repeated packet of a new source may pass probation
        long counted = Enum.GetValues<Sessions.DropReason>().Sum(rig.Session.Dropped)
            + rig.Session.RtcpReceived + rig.Receiver.GetPeerStatistics().Sum(p => p.PacketsReceived + p.PacketsDuplicate);
        rig.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return logger.Errors == 0 && counted == 2;
    }

    [Fact]
    public async Task A_flood_of_made_up_sources_does_not_make_the_receive_path_grow()
    {
        await using var rig = new ReceiveRig(new CodecOptions(), logger: new ErrorRecorder());
        var from = new IPEndPoint(IPAddress.Loopback, 5004).Serialize();
        var packet = new byte[12 + 40];
        var random = new Random(5);
        void Flood(int count)
        {
            for (int i = 0; i < count; i++)
            {
                new RtpHeader(111, (ushort)random.Next(), (uint)random.Next(), (uint)random.Next(), false).Write(packet); // a new SSRC each time
                rig.Session.OnDatagram(packet, from);
            }
        }

        Flood(1000); // the tables reach their bounds
        long before = GC.GetAllocatedBytesForCurrentThread();
        Flood(100_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(101_000, rig.Session.Dropped(Sessions.DropReason.InProbation));
        Assert.Empty(rig.Receiver.GetPeerStatistics());
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes for 100 000 datagrams"); // nothing per datagram, nothing kept
    }

    public static Arbitrary<byte[]> ByteArrays() => Datagrams();

    /// <summary>Counts error entries: the receive path logs one only for an exception it did not foresee.</summary>
    private sealed class ErrorRecorder : ILogger
    {
        public int Errors { get; private set; }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error || exception is not null)
            {
                Errors++;
            }
        }
    }
}
