using BenchmarkDotNet.Attributes;
using InterCom.Core.Rtp;
using InterCom.Core.Security;

namespace InterCom.Benchmarks;

/// <summary>
/// SRTP (AEAD_AES_128_GCM) on a 10 ms Opus packet at 32 kb/s (12-byte header + 40-byte payload):
/// protect, unprotect, and the refusal of a forged packet. Checks its own output.
/// </summary>
[MemoryDiagnoser]
public class SrtpBenchmarks
{
    private const int Payload = 40;
    private readonly SrtpMasterKey _key = SrtpMasterKey.Generate();
    private readonly byte[] _plain = new byte[12 + Payload + SrtpSession.TagLength];
    private readonly byte[] _work = new byte[12 + Payload + SrtpSession.TagLength];
    private readonly byte[] _output = new byte[12 + Payload + SrtpSession.TagLength];
    private readonly byte[] _forged = new byte[12 + Payload + SrtpSession.TagLength];
    private SrtpSession _sender = null!;
    private SrtpSession _receiver = null!;
    private ushort _sequence;

    [GlobalSetup]
    public void Setup()
    {
        _sender = new SrtpSession(_key);
        _receiver = new SrtpSession(_key);
        new RtpHeader(111, 1, 480, 0xCAFEBABE, false).Write(_plain);
        new Random(1).NextBytes(_forged);
        new RtpHeader(111, 1, 480, 0x01020304, false).Write(_forged);
        _plain.CopyTo(_work, 0);
        _sender.ProtectRtp(_work, 12 + Payload);
        if (_receiver.UnprotectRtp(_work, _output, out int length) != SrtpResult.Ok || length != 12 + Payload
            || _receiver.UnprotectRtp(_forged, _output, out _) != SrtpResult.Authentication)
        {
            throw new InvalidOperationException("SRTP did not round-trip.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }

    /// <summary>Protect the next packet of the stream.</summary>
    [Benchmark]
    public int Protect()
    {
        _plain.AsSpan(0, 12 + Payload).CopyTo(_work);
        _work[2] = (byte)(++_sequence >> 8);
        _work[3] = (byte)_sequence;
        return _sender.ProtectRtp(_work, 12 + Payload);
    }

    /// <summary>Unprotect a fresh packet (protected and then taken in, so that the replay window accepts it).</summary>
    [Benchmark]
    public int ProtectAndUnprotect()
    {
        Protect();
        return (int)_receiver.UnprotectRtp(_work, _output, out _);
    }

    /// <summary>Refuse a forged packet (AesGcm reports the failure by exception).</summary>
    [Benchmark]
    public int RefuseForged() => (int)_receiver.UnprotectRtp(_forged, _output, out _);
}
