namespace InterCom.Core.FlowControl;

/// <summary>
/// Reads the flow-control counters a running call publishes under a session name
/// (<see cref="Hosting.VoiceSessionOptions.CountersName"/>), from any process: what <c>intercom stats</c> shows.
/// Read-only: the layout and the writing side stay inside the library.
/// </summary>
public sealed class FlowControlMonitor : IDisposable
{
    private readonly FlowControlCounters _counters;

    private FlowControlMonitor(FlowControlCounters counters) => _counters = counters;

    /// <summary>The counters' file.</summary>
    public string Path => _counters.Path!;

    /// <summary>Where the counters of the session named <paramref name="sessionName"/> live: /dev/shm when there is one, else the temp folder.</summary>
    /// <exception cref="ArgumentException">The name cannot be part of a file name.</exception>
    public static string PathFor(string sessionName) => FlowControlCounters.PathFor(sessionName);

    /// <summary>Opens the counters of the running call named <paramref name="sessionName"/>.</summary>
    /// <exception cref="ArgumentException">The name cannot be part of a file name.</exception>
    /// <exception cref="FileNotFoundException">No call publishes under that name.</exception>
    /// <exception cref="InvalidDataException">The file is not a counters block of this layout version.</exception>
    public static FlowControlMonitor Open(string sessionName) => new(FlowControlCounters.Open(PathFor(sessionName)));

    /// <summary>Both halves' counters, each section read consistently.</summary>
    public FlowControlSnapshot Snapshot() => _counters.Snapshot();

    /// <inheritdoc/>
    public void Dispose() => _counters.Dispose();
}
