namespace InterCom.Core.Speech;

/// <summary>
/// Whether a frame holds a voice (or any sound worth sending) rather than the room's background: its
/// energy against a tracked noise floor, with a hangover so that word endings and short pauses are
/// sent. The floor follows the quietest frames down quickly and rises slowly, never above
/// <see cref="FloorCeilingDb"/>: a sustained tone or music is never taken for noise. Allocation-free.
/// </summary>
internal sealed class VoiceActivityDetector
{
    /// <summary>How far above the floor a frame counts as activity, dB.</summary>
    public const double ThresholdDb = 9;

    /// <summary>Below this a frame is silent whatever the floor, dBFS.</summary>
    public const double SilenceDb = -70;

    /// <summary>The highest the floor goes, dBFS: a background louder than this is sent.</summary>
    public const double FloorCeilingDb = -45;

    /// <summary>How long after the last active frame frames are still sent.</summary>
    public static readonly TimeSpan Hangover = TimeSpan.FromMilliseconds(200);

    private const double FloorRiseDbPerSecond = 3;
    private const double FloorFall = 0.3; // per frame, toward a quieter frame
    private readonly double _risePerFrame;
    private readonly int _hangoverFrames;
    private double _floorDb = double.NaN;
    private int _sinceActive;

    /// <param name="frameDuration">The duration of each frame given.</param>
    public VoiceActivityDetector(TimeSpan frameDuration)
    {
        _risePerFrame = FloorRiseDbPerSecond * frameDuration.TotalSeconds;
        _hangoverFrames = (int)Math.Ceiling(Hangover / frameDuration);
        _sinceActive = 0; // a stream starts as active: its first frames are audio, which opens it at the receiver
    }

    /// <summary>The noise floor now, dBFS.</summary>
    public double FloorDb => _floorDb;

    /// <summary>Whether the last frame itself was active (no hangover).</summary>
    public bool LastFrameActive { get; private set; }

    /// <summary>Takes the next frame (interleaved); whether it is to be sent as audio (active, or within the hangover).</summary>
    public bool Next(ReadOnlySpan<float> frame)
    {
        double sum = 0;
        foreach (float s in frame)
        {
            sum += s * (double)s;
        }

        double energyDb = sum > 0 ? 10 * Math.Log10(sum / frame.Length) : -120;
        if (double.IsNaN(_floorDb))
        {
            _floorDb = Math.Min(energyDb, FloorCeilingDb);
        }
        else if (energyDb < _floorDb)
        {
            _floorDb += FloorFall * (energyDb - _floorDb);
        }
        else
        {
            _floorDb = Math.Min(_floorDb + _risePerFrame, Math.Min(energyDb, FloorCeilingDb));
        }

        LastFrameActive = energyDb > SilenceDb && energyDb > _floorDb + ThresholdDb;
        _sinceActive = LastFrameActive ? 0 : _sinceActive + 1;
        return _sinceActive <= _hangoverFrames;
    }
}
