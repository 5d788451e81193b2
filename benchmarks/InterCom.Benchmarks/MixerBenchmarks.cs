using BenchmarkDotNet.Attributes;
using InterCom.Core.Mixing;

namespace InterCom.Benchmarks;

/// <summary>Mixing one 10 ms frame from N senders with per-sender gain, then the soft clip. Checks its own output.</summary>
public class MixerBenchmarks
{
    private float[][] _frames = null!;
    private readonly float[] _mix = new float[480];

    [Params(2, 4, 8, 16)]
    public int Peers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _frames = [.. Enumerable.Range(0, Peers).Select(p => Enumerable.Range(0, 480).Select(i => (float)(0.25 * Math.Sin(2 * Math.PI * (300 + (40 * p)) * i / 48_000))).ToArray())];
        if (Mix() is not (> -1 and < 1))
        {
            throw new InvalidOperationException("The soft clip let the mix out of range.");
        }
    }

    [Benchmark]
    public float Mix()
    {
        _mix.AsSpan().Clear();
        foreach (float[] frame in _frames)
        {
            AudioMixer.Accumulate(_mix, frame, 0.8f);
        }

        AudioMixer.SoftClip(_mix);
        return _mix[100];
    }
}
