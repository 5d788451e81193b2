using InterCom.Core.Rtp;

namespace InterCom.Core.Sessions;

/// <summary>
/// RFC 3550 appendix A.1: a new source that is not authenticated is taken only once it has sent
/// <see cref="MinSequential"/> packets with consecutive sequence numbers, so that stray or random
/// datagrams never start a stream. Bounded: a flood of made-up SSRCs is forgotten, not kept. Receive thread only.
/// </summary>
internal sealed class SourceProbation
{
    private const int MinSequential = 2;
    private const int MaxSources = 64;
    private readonly Dictionary<uint, (ushort Sequence, int Count)> _sources = [];

    /// <summary>Whether this packet completes its source's probation (the packets before it are dropped).</summary>
    public bool Passes(in RtpHeader header)
    {
        if (_sources.TryGetValue(header.Ssrc, out (ushort Sequence, int Count) probation) && (ushort)(probation.Sequence + 1) == header.SequenceNumber)
        {
            if (probation.Count + 1 >= MinSequential)
            {
                _sources.Remove(header.Ssrc);
                return true;
            }

            _sources[header.Ssrc] = (header.SequenceNumber, probation.Count + 1);
            return false;
        }

        if (_sources.Count >= MaxSources)
        {
            _sources.Clear();
        }

        _sources[header.Ssrc] = (header.SequenceNumber, 1);
        return false;
    }
}
