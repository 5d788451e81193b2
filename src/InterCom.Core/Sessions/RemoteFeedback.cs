namespace InterCom.Core.Sessions;

/// <summary>What the peers' last receiver report blocks said about our stream.</summary>
/// <param name="RoundTripMicros">Round-trip time from LSR/DLSR, microseconds; 0 until known.</param>
/// <param name="FractionLost">Fraction of our packets lost over the last interval, in 1/256.</param>
/// <param name="JitterMicros">Interarrival jitter they see, microseconds.</param>
/// <param name="Reports">Report blocks about our stream received so far.</param>
internal readonly record struct RemoteFeedback(long RoundTripMicros, long FractionLost, long JitterMicros, long Reports);
