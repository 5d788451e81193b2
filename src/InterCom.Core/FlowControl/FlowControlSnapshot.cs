namespace InterCom.Core.FlowControl;

/// <summary>A consistent copy of both halves' counters.</summary>
/// <param name="Ces">What the sending half last published.</param>
/// <param name="Rdp">What the receiving half last published.</param>
public readonly record struct FlowControlSnapshot(CesCounters Ces, RdpCounters Rdp);
