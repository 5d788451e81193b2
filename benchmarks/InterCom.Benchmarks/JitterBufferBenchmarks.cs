using System.Net;
using BenchmarkDotNet.Attributes;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;
using InterCom.Core.Rtp;

namespace InterCom.Benchmarks;

/// <summary>
/// Steady state of the receive path for one sender: insert one L16 packet, read one frame (decode + copy).
/// MemoryDiagnoser shows the allocation per frame (the goal is 0 B).
/// </summary>
public class JitterBufferBenchmarks
{
    private JitterBuffer _buffer = null!;
    private readonly byte[] _payload = new byte[960];
    private readonly float[] _frame = new float[480];
    private ushort _sequence;
    private uint _timestamp;

    [GlobalSetup]
    public void Setup()
    {
        _buffer = new JitterBuffer(1, AudioCodecFactory.CreateDecoder(AudioCodec.Pcm, AudioFormat.Mono48k),
            new JitterBufferOptions { TargetDelay = TimeSpan.Zero }, 480);
        for (int i = 0; i < 10; i++)
        {
            InsertAndRead();
        }

        if (_buffer.GetStatistics(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5004)).FramesConcealed != 0)
        {
            throw new InvalidOperationException("The jitter buffer concealed frames in a clean stream.");
        }
    }

    [Benchmark]
    public float InsertAndRead()
    {
        var header = new RtpHeader(96, _sequence++, _timestamp, 1, false);
        _timestamp += 480;
        _buffer.Insert(header, _payload, _timestamp);
        _buffer.Read(_frame);
        return _frame[0];
    }
}
