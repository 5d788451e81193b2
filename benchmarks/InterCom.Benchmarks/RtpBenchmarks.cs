using BenchmarkDotNet.Attributes;
using InterCom.Core.Rtp;

namespace InterCom.Benchmarks;

/// <summary>Write and parse an RTP header. Checks its own output.</summary>
public class RtpBenchmarks
{
    private readonly byte[] _packet = new byte[12 + 80];
    private RtpHeader _header = new(111, 65535, 123_456, 0xCAFEBABE, false);

    [GlobalSetup]
    public void Setup()
    {
        _header.Write(_packet);
        if (!RtpHeader.TryParse(_packet, out RtpHeader parsed, out _, out int length) || parsed != _header || length != 80)
        {
            throw new InvalidOperationException("RTP header did not round-trip.");
        }
    }

    [Benchmark]
    public int Write() => _header.Write(_packet);

    [Benchmark]
    public int Parse() => RtpHeader.TryParse(_packet, out _, out _, out int length) ? length : -1;

    [Benchmark]
    public long ExtendSequence() => RtpSequence.Extend(3, 65_530);
}
