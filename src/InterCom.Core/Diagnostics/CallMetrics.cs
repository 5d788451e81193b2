using System.Diagnostics.Metrics;
using InterCom.Core.FlowControl;

namespace InterCom.Core.Diagnostics;

/// <summary>
/// The calls of this process as <see cref="System.Diagnostics.Metrics"/> instruments of the meter
/// <c>InterCom.Core</c> (what <c>dotnet-counters monitor --counters InterCom.Core</c> and OpenTelemetry
/// see), read from each call's flow-control counters when a listener collects: nothing is recorded on
/// the audio path. Each measurement carries the call's local address as the tag <c>intercom.call</c>.
/// </summary>
internal static class CallMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "InterCom.Core";

    private static readonly Meter s_meter = new(MeterName, typeof(CallMetrics).Assembly.GetName().Version?.ToString());
    private static readonly Lock s_gate = new();
    private static (string Call, Func<FlowControlSnapshot> Read)[] s_calls = [];

    static CallMetrics()
    {
        Counter("intercom.packets.sent", "{packet}", "RTP packets sent, each peer's copy counted", s => s.Ces.PacketsSent);
        Counter("intercom.bytes.sent", "By", "RTP payload bytes sent, each peer's copy counted", s => s.Ces.BytesSent);
        Counter("intercom.packets.received", "{packet}", "RTP packets received, duplicates excluded", s => s.Rdp.PacketsReceived);
        Counter("intercom.bytes.received", "By", "RTP payload bytes received", s => s.Rdp.BytesReceived);
        Counter("intercom.packets.lost", "{packet}", "RTP packets that never came", s => s.Rdp.PacketsLost);
        Counter("intercom.packets.late", "{packet}", "RTP packets that came after their playout time", s => s.Rdp.PacketsLate);
        Counter("intercom.frames.concealed", "{frame}", "Frames made up by concealment", s => s.Rdp.FramesConcealed);
        Gauge("intercom.jitter", "ms", "The largest interarrival jitter among the senders", s => s.Rdp.JitterMicros / 1000.0);
        Gauge("intercom.playout.delay", "ms", "The largest playout delay among the senders", s => s.Rdp.PlayoutDelayMicros / 1000.0);
        Gauge("intercom.round_trip", "ms", "Round-trip time to the peers from RTCP", s => s.Rdp.RoundTripMicros / 1000.0);
        Gauge("intercom.remote.loss", "%", "Loss of our stream as the peers report it", s => s.Rdp.RemoteFractionLost * 100 / 256.0);
        Gauge("intercom.bitrate.target", "bit/s", "The Opus bitrate rate control asks for", s => (double)s.Ces.TargetBitrate);
    }

    /// <summary>Adds a call; its figures are read through <paramref name="read"/> until the returned token is disposed.</summary>
    public static IDisposable Register(string call, Func<FlowControlSnapshot> read)
    {
        var entry = (call, read);
        lock (s_gate)
        {
            s_calls = [.. s_calls, entry];
        }

        return new Registration(() =>
        {
            lock (s_gate)
            {
                s_calls = [.. s_calls.Where(c => c != entry)];
            }
        });
    }

    private static void Counter(string name, string unit, string description, Func<FlowControlSnapshot, long> value)
        => s_meter.CreateObservableCounter(name, () => Measure(value), unit, description);

    private static void Gauge(string name, string unit, string description, Func<FlowControlSnapshot, double> value)
        => s_meter.CreateObservableGauge(name, () => Measure(value), unit, description);

    private static IEnumerable<Measurement<T>> Measure<T>(Func<FlowControlSnapshot, T> value)
        where T : struct
    {
        foreach ((string call, Func<FlowControlSnapshot> read) in Volatile.Read(ref s_calls))
        {
            FlowControlSnapshot snapshot;
            try
            {
                snapshot = read();
            }
            catch (ObjectDisposedException)
            {
                continue; // the call ended while this collection ran
            }

            yield return new Measurement<T>(value(snapshot), new KeyValuePair<string, object?>("intercom.call", call));
        }
    }

    private sealed class Registration(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public void Dispose() => Interlocked.Exchange(ref _remove, null)?.Invoke();
    }
}
