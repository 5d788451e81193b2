namespace InterCom.Core.Sessions;

/// <summary>One counter per <see cref="DropReason"/>: incremented by the receive thread, read by anyone.</summary>
internal sealed class DropCounters
{
    private readonly long[] _counts = new long[Enum.GetValues<DropReason>().Length];

    public long this[DropReason reason] => Interlocked.Read(ref _counts[(int)reason]);

    public void Count(DropReason reason) => Interlocked.Increment(ref _counts[(int)reason]);
}
