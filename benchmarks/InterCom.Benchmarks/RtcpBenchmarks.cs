using BenchmarkDotNet.Attributes;
using InterCom.Core.Rtp;

namespace InterCom.Benchmarks;

/// <summary>Write and read the once-a-second RTCP of a call: an SR, and an RR with one block per sender. Checks its own output.</summary>
public class RtcpBenchmarks
{
    private readonly byte[] _packet = new byte[8 + (31 * RtcpReportBlock.Size) + 28];
    private RtcpReportBlock[] _blocks = null!;
    private int _length;

    /// <summary>Report blocks in the RR: one per remote sender (1 = a one-to-one call, 15 = a mesh of 16).</summary>
    [Params(1, 15)]
    public int Senders { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _blocks = [.. Enumerable.Range(1, Senders).Select(i => new RtcpReportBlock((uint)i, 12, 345, 67_890, 21, 0x12345678, 65_536))];
        _length = WriteReceiverReport();
        int blocks = 0;
        var reader = new RtcpCompoundReader(_packet.AsSpan(0, _length));
        while (reader.TryReadNext(out RtcpPacket packet))
        {
            blocks += packet.Count;
        }

        if (blocks != Senders || reader.IsMalformed)
        {
            throw new InvalidOperationException("The RR did not round-trip.");
        }
    }

    [Benchmark]
    public int WriteSenderReport() => RtcpWriter.WriteSenderReport(_packet, 0xCAFEBABE, new RtcpSenderInfo(0x0123456789ABCDEF, 480, 100, 4000), []);

    [Benchmark]
    public int WriteReceiverReport() => RtcpWriter.WriteReceiverReport(_packet, 0xCAFEBABE, _blocks);

    [Benchmark]
    public long ReadReceiverReport()
    {
        long sum = 0;
        var reader = new RtcpCompoundReader(_packet.AsSpan(0, _length));
        while (reader.TryReadNext(out RtcpPacket packet))
        {
            for (int i = 0; i < packet.Count; i++)
            {
                sum += packet.GetReportBlock(i).LastSenderReport;
            }
        }

        return sum;
    }
}
