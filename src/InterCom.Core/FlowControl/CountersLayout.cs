using System.Runtime.InteropServices;

namespace InterCom.Core.FlowControl;

/// <summary>
/// The shared counters block, byte for byte (docs/flow-control.md, layout version 1): a header, one
/// section per half (each a sequence number and its values, written seqlock-style by its half only),
/// the SSRC change requests, and each half's liveness slots. The one definition of where everything is.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = FlowControlCounters.Size)]
internal struct CountersLayout
{
    /// <summary>Magic ("ICFC") in the low 32 bits, the layout version in the high 32.</summary>
    [FieldOffset(0)]
    public long Header;

    /// <summary>The block's size in bytes.</summary>
    [FieldOffset(8)]
    public long BlockSize;

    [FieldOffset(64)]
    public long CesSequence;

    [FieldOffset(72)]
    public CesSection Ces;

    [FieldOffset(192)]
    public long RdpSequence;

    [FieldOffset(200)]
    public RdpSection Rdp;

    /// <summary>Written by the receiving half with an atomic increment.</summary>
    [FieldOffset(448)]
    public long SsrcChangeRequests;

    [FieldOffset(456)]
    public LivenessSection CesLiveness;

    [FieldOffset(480)]
    public LivenessSection RdpLiveness;
}

/// <summary>The sending half's section: what <see cref="CesCounters"/> holds, as 8-byte fields.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CesSection
{
    public long Heartbeat;
    public long ProcessId;
    public long Ssrc;
    public long PacketsSent;
    public long BytesSent;
    public long TargetBitrate;
    public long FecEnabled;
    public long LossHintPercent;
    public long FramesSuppressed;

    public static CesSection From(in CesCounters c) => new()
    {
        Heartbeat = c.Heartbeat, ProcessId = c.ProcessId, Ssrc = c.Ssrc, PacketsSent = c.PacketsSent, BytesSent = c.BytesSent,
        TargetBitrate = c.TargetBitrate, FecEnabled = c.FecEnabled ? 1 : 0, LossHintPercent = c.LossHintPercent, FramesSuppressed = c.FramesSuppressed,
    };

    public readonly CesCounters ToCounters() => new(Heartbeat, ProcessId, Ssrc, PacketsSent, BytesSent, TargetBitrate, FecEnabled != 0, LossHintPercent, FramesSuppressed);
}

/// <summary>The receiving half's section: what <see cref="RdpCounters"/> holds.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RdpSection
{
    public long Heartbeat;
    public long ProcessId;
    public long PacketsReceived;
    public long BytesReceived;
    public long PacketsLost;
    public long PacketsLate;
    public long FramesConcealed;
    public long JitterMicros;
    public long PlayoutDelayMicros;
    public long RoundTripMicros;
    public long RemoteFractionLost;
    public long RemoteJitterMicros;
    public long ReportsReceived;

    public static RdpSection From(in RdpCounters c) => new()
    {
        Heartbeat = c.Heartbeat, ProcessId = c.ProcessId, PacketsReceived = c.PacketsReceived, BytesReceived = c.BytesReceived,
        PacketsLost = c.PacketsLost, PacketsLate = c.PacketsLate, FramesConcealed = c.FramesConcealed, JitterMicros = c.JitterMicros,
        PlayoutDelayMicros = c.PlayoutDelayMicros, RoundTripMicros = c.RoundTripMicros, RemoteFractionLost = c.RemoteFractionLost,
        RemoteJitterMicros = c.RemoteJitterMicros, ReportsReceived = c.ReportsReceived,
    };

    public readonly RdpCounters ToCounters() => new(
        Heartbeat, ProcessId, PacketsReceived, BytesReceived, PacketsLost, PacketsLate, FramesConcealed, JitterMicros, PlayoutDelayMicros,
        RoundTripMicros, RemoteFractionLost, RemoteJitterMicros, ReportsReceived);
}

/// <summary>One half's liveness: its last beat (<see cref="Environment.TickCount64"/>) and device history; each slot written whole by that half.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LivenessSection
{
    public long Heartbeat;
    public long DeviceLosses;
    public long DeviceReopenings;
}
