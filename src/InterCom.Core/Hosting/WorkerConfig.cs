using System.Text.Json;
using System.Text.Json.Serialization;
using InterCom.Core.Codecs;
using InterCom.Core.FlowControl;
using InterCom.Core.Jitter;

namespace InterCom.Core.Hosting;

/// <summary>Which half of a call a worker process runs.</summary>
internal enum WorkerRole
{
    /// <summary>Capture, encode, send.</summary>
    Ces,

    /// <summary>Receive, decode, play.</summary>
    Rdp,
}

/// <summary>
/// Everything a worker process needs, passed from <see cref="ProcessHost"/> in an environment variable
/// as JSON (plain values only: endpoints as text, the audio as the words of <see cref="Devices.AudioEndpoints"/>).
/// </summary>
internal sealed record WorkerConfig
{
    /// <summary>The environment variable that carries the JSON; its presence makes a process a worker.</summary>
    public const string EnvironmentVariable = "INTERCOM_WORKER";

    public WorkerRole Role { get; init; }

    public string CountersPath { get; init; } = "";

    /// <summary>The call's listen address: RDP binds it; CES sends from a free port of the same family.</summary>
    public string Listen { get; init; } = "";

    public string[] Peers { get; init; } = [];

    public int SampleRate { get; init; }

    public int Channels { get; init; }

    public CodecOptions Codec { get; init; } = new();

    public JitterBufferOptions JitterBuffer { get; init; } = new();

    public RateControlOptions RateControl { get; init; } = new();

    public TimeSpan PeerTimeout { get; init; }

    /// <summary>CES: the input words; RDP: the output words.</summary>
    public string Audio { get; init; } = "";

    public string? JackClientName { get; init; }

    public int PlaybackQueuePeriods { get; init; } = 2;

    /// <summary>What the worker does when its device stops by itself; <see cref="Devices.DeviceLossPolicy.Fail"/>: it exits with code 1.</summary>
    public Devices.DeviceLossPolicy OnDeviceLoss { get; init; }

    /// <summary>L16 frames of one capture device period (<see cref="ProcessHostOptions.FramesOfCapturePeriod"/>).</summary>
    public bool FramesOfCapturePeriod { get; init; }

    /// <summary>This half ran before and died: continue its WAV output and its counters.</summary>
    public bool Restarted { get; init; }

    /// <summary>Start the runtime and compile the codec, then wait for <c>go</c> on standard input before running the half.</summary>
    public bool Standby { get; init; }

    /// <summary>The call is encrypted: the host writes <c>key BASE64</c> as the first line of the worker's standard input (never into its environment, which other processes of the same user can read).</summary>
    public bool KeyOnInput { get; init; }

    /// <summary>The least severe log level the worker forwards to the host.</summary>
    public int MinimumLogLevel { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, WorkerConfigJson.Default.WorkerConfig);

    public static WorkerConfig FromJson(string json)
        => JsonSerializer.Deserialize(json, WorkerConfigJson.Default.WorkerConfig) ?? throw new JsonException("Empty worker configuration.");
}

[JsonSerializable(typeof(WorkerConfig))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class WorkerConfigJson : JsonSerializerContext;
