namespace InterCom.Core.Hosting;

/// <summary>Everything a <see cref="ProcessHost"/> needs. Immutable; every default is stated.</summary>
public sealed record ProcessHostOptions
{
    /// <summary>
    /// The call: listen address (its port must be given, not 0: the receiving process binds it), peers,
    /// format, codec, playout, peer timeout, rate control, logger, and the counters' name (default
    /// <see langword="null"/>: a name made from this process's id). <see cref="VoiceSessionOptions.ListenEndPoint"/>
    /// is bound by the receiving worker; the sending worker sends from a free port of the same address.
    /// </summary>
    public VoiceSessionOptions Session { get; init; } = new();

    /// <summary>What the sending worker captures, in the words of <see cref="Devices.AudioEndpoints"/>: a device, <c>tone:HZ</c> or a WAV file; default <c>default</c>.</summary>
    public string Input { get; init; } = "default";

    /// <summary>Where the receiving worker plays: a device or a WAV file (continued, not replaced, after a restart); default <c>default</c>.</summary>
    public string Output { get; init; } = "default";

    /// <summary>JACK client name stem: the workers are NAME-ces and NAME-rdp; default <see langword="null"/> (PortAudio's own name).</summary>
    public string? JackClientName { get; init; }

    /// <summary>
    /// L16 only: the sending worker sends frames of one capture device period, as JackTrip does,
    /// instead of <see cref="Codecs.CodecOptions.FrameDuration"/> (which stays when the input is no
    /// device or its period is not a valid L16 frame); default <see langword="false"/>.
    /// </summary>
    public bool FramesOfCapturePeriod { get; init; }

    /// <summary>Device periods the receiving worker keeps queued for playback when a thread feeds the device (managed Opus; <see cref="Devices.PortAudioStreamOptions.PlaybackQueuePeriods"/>); default 2.</summary>
    public int PlaybackQueuePeriods { get; init; } = 2;

    /// <summary>
    /// What a worker does when its audio device stops by itself: <see cref="Devices.DeviceLossPolicy.Retry"/>
    /// (go on, reopen it when it is back) or <see cref="Devices.DeviceLossPolicy.Fail"/> (the worker
    /// exits with code 1 and is restarted like a crashed one, until <see cref="MaxFailedRestarts"/>);
    /// default <see cref="Devices.DeviceLossPolicy.Retry"/>.
    /// </summary>
    public Devices.DeviceLossPolicy OnDeviceLoss { get; init; }

    /// <summary>
    /// How long a running worker may go without a heartbeat in the shared counters before the host
    /// takes it for hung (stopped, deadlocked), kills it (SIGKILL) and restarts it like a crashed one;
    /// default 1 s. The sending worker beats every frame, the receiving one every 100 ms; a worker is
    /// judged from its first beat on (until then, only one silent for <see cref="StartTimeout"/> is hung).
    /// </summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Default <see cref="StartTimeout"/>: 20 s (a cold start of the runtime on a busy machine).</summary>
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long a worker may take to report that it runs; default 20 s.</summary>
    public TimeSpan StartTimeout { get; init; } = DefaultStartTimeout;

    /// <summary>
    /// Keep one started, idle worker of each kind beside the running ones, to take over when one dies:
    /// a restart then skips the runtime's start-up and the codec's compilation (measured in
    /// docs/processes.md). Costs two idle processes. Default <see langword="true"/>.
    /// </summary>
    public bool StandbyWorkers { get; init; } = true;

    /// <summary>Restarts in a row, each dying before it ran, after which the host gives up; default 5.</summary>
    public int MaxFailedRestarts { get; init; } = 5;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Session);
        Session.Validate();
        if (Session.ListenEndPoint.Port == 0)
        {
            throw new ArgumentException("The listen port must be given (not 0): the receiving worker binds it, and the peers send to it.", nameof(Session));
        }

        ArgumentNullException.ThrowIfNull(Input);
        ArgumentNullException.ThrowIfNull(Output);
        Devices.AudioEndpoints.Validate(Input, Output);

        if (StartTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("StartTimeout must be positive.", nameof(StartTimeout));
        }

        if (HeartbeatTimeout <= TimeSpan.FromMilliseconds(200))
        {
            throw new ArgumentException("HeartbeatTimeout must be more than 200 ms (the receiving worker beats every 100 ms).", nameof(HeartbeatTimeout));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxFailedRestarts);
    }
}
