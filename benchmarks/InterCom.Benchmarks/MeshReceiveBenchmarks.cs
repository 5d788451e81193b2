using System.Net;
using BenchmarkDotNet.Attributes;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;
using InterCom.Core.Mixing;
using InterCom.Core.Rtp;

namespace InterCom.Benchmarks;

/// <summary>
/// Receive-side cost of one 10 ms frame in a mesh: for every remote sender, place its Opus packet in
/// its jitter buffer, decode one frame, and mix it. Divide by 10 ms for the share of one core.
/// </summary>
public class MeshReceiveBenchmarks
{
    private JitterBuffer[] _senders = null!;
    private byte[] _payload = null!;
    private readonly float[] _frame = new float[480];
    private readonly float[] _mix = new float[480];
    private ushort _sequence;
    private uint _timestamp;

    [Params(2, 4, 8, 16)]
    public int Peers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        using var encoder = AudioCodecFactory.CreateEncoder(AudioFormat.Mono48k, new CodecOptions());
        var pcm = new float[480];
        new ToneSource(440, AudioFormat.Mono48k).Read(pcm, CancellationToken.None);
        var buffer = new byte[1500];
        _payload = buffer.AsSpan(0, encoder.Encode(pcm, buffer)).ToArray();
        _senders = [.. Enumerable.Range(0, Peers).Select(i => new JitterBuffer((uint)i, AudioCodecFactory.CreateDecoder(AudioCodec.Opus, AudioFormat.Mono48k), new JitterBufferOptions { TargetDelay = TimeSpan.Zero }, 480))];
        for (int i = 0; i < 20; i++)
        {
            Frame();
        }

        if (_senders.Any(s => s.GetStatistics(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5004)).FramesConcealed != 0))
        {
            throw new InvalidOperationException("Frames were concealed in a clean stream.");
        }
    }

    [Benchmark]
    public float Frame()
    {
        var header = new RtpHeader(111, _sequence++, _timestamp += 480, 0, false);
        Array.Clear(_mix);
        foreach (JitterBuffer sender in _senders)
        {
            sender.Insert(header, _payload, _timestamp);
            sender.Read(_frame);
            AudioMixer.Accumulate(_mix, _frame, 1f);
        }

        AudioMixer.SoftClip(_mix);
        return _mix[0];
    }
}
