namespace InterCom.Core.Jitter;

/// <summary>
/// Where one sender's delay stands against its target, in samples per channel (the terms are defined
/// together in docs/architecture.md, "Delay"): the <see cref="Target"/> slack wanted beyond each read,
/// the smoothed <see cref="Slack"/> found, the <see cref="Excess"/> of one over the other that stretching
/// and discarding work off, and the smoothed <see cref="Queued"/> audio reported as the playout delay.
/// Adaptive, the target follows <see cref="DelayEstimator"/>'s spare. Playout side only.
/// </summary>
internal sealed class PlayoutDelay
{
    private readonly bool _adaptive;
    private readonly int _minSamples;
    private readonly int _maxSamples;
    private int _target;
    private double _slack;
    private double _queued;

    public PlayoutDelay(JitterBufferOptions options, Audio.AudioFormat format)
    {
        _adaptive = options.Adaptive;
        _minSamples = format.FramesIn(options.MinDelay);
        _maxSamples = format.FramesIn(options.MaxDelay);
        _target = format.FramesIn(options.TargetDelay);
        if (_adaptive)
        {
            _target = Math.Clamp(_target, _minSamples, _maxSamples);
        }

        Estimator = new DelayEstimator(Math.Max(_maxSamples, _target));
    }

    /// <summary>Spares of the packets the reads found: what the adaptive target follows.</summary>
    public DelayEstimator Estimator { get; }

    /// <summary>Slack wanted: audio queued beyond what a read takes (any thread may read it).</summary>
    public int Target => Volatile.Read(ref _target);

    /// <summary>How far the slack is above the target now (negative: below).</summary>
    public double Excess { get; private set; }

    /// <summary>Smoothed slack at the reads: audio queued beyond what each read takes.</summary>
    public double Slack => _slack;

    /// <summary>Smoothed audio queued ahead of the playout point at the reads, what the read takes included (any thread may read it).</summary>
    public double Queued => Volatile.Read(ref _queued);

    /// <summary>Whether the target comes from the estimate (adaptive, after its first two seconds).</summary>
    public bool Estimating => _adaptive && Estimator.HasEstimate;

    /// <summary>Playing starts with <paramref name="queued"/> samples queued for a read of <paramref name="samples"/>.</summary>
    public void Begin(long queued, int samples)
    {
        _queued = queued;
        _slack = queued - samples;
    }

    /// <summary>
    /// At a read of <paramref name="samples"/> with <paramref name="queued"/> queued: the smoothed figures
    /// move a sixteenth of the way; adaptive, the target becomes whatever leaves the estimated spare at
    /// <see cref="JitterBufferOptions.MinDelay"/> plus <paramref name="allowance"/> (see
    /// <see cref="PlayoutDecision.FecAllowance"/>), and never more than <see cref="JitterBufferOptions.MaxDelay"/> of slack.
    /// </summary>
    public void Update(long queued, int samples, int allowance = 0)
    {
        long slack = queued - samples;
        Volatile.Write(ref _queued, _queued + ((queued - _queued) / 16));
        _slack += (slack - _slack) / 16;
        if (Estimating)
        {
            Excess = Math.Max(Estimator.SpareSamples - _minSamples - allowance, _slack - _maxSamples);
            Volatile.Write(ref _target, (int)Math.Max(0, Math.Round(_slack - Excess)));
        }
        else
        {
            Excess = _slack - _target;
        }
    }

    /// <summary>The delay moved by <paramref name="samples"/> (stretching, a stall waited out, packets discarded): what was measured moves with it.</summary>
    public void Shift(long samples)
    {
        Estimator.Shift((int)samples);
        Excess += samples;
        _slack += samples;
    }

    /// <summary>After a discard: the smoothed queue restarts from what is queued now.</summary>
    public void Reset(long queued) => _queued = queued;
}
