using InterCom.Core.Jitter;

namespace InterCom.Core.Tests;

/// <summary>The jitter buffer's decisions as tables: a situation in, an operation out (boxed: the enum is internal, a theory's parameters public).</summary>
public sealed class PlayoutDecisionTests
{
    [Theory]
    // next here, later here, stall credit, after here, concealed run (max 3)  →  operation
    [InlineData(true, true, 1, true, 2, PlayoutOperation.Normal)]        // the packet is here: play it, whatever else
    [InlineData(false, true, 1, true, 0, PlayoutOperation.Skip)]         // lost, and a frame concealed while waiting stood in for it
    [InlineData(false, true, 0, true, 0, PlayoutOperation.Recover)]      // lost, the next one is here: its FEC
    [InlineData(false, true, 0, false, 0, PlayoutOperation.Conceal)]     // lost, nothing to rebuild it from
    [InlineData(false, false, 0, false, 0, PlayoutOperation.Expand)]     // nothing buffered: wait, concealing
    [InlineData(false, false, 2, false, 2, PlayoutOperation.Expand)]     // still within the run
    [InlineData(false, false, 3, false, 3, PlayoutOperation.Idle)]       // the run is over: silence until the next talkspurt
    public void The_next_frame(bool nextHere, bool laterHere, int stallCredit, bool afterHere, int concealedRun, object expected)
        => Assert.Equal((PlayoutOperation)expected, PlayoutDecision.NextFrame(nextHere, laterHere, stallCredit, afterHere, concealedRun, maxConcealedRun: 3));

    [Theory]
    // next here, stall credit, what is queued behind it covers the target  →  operation
    [InlineData(true, 2, true, PlayoutOperation.DropLate)]  // came after its frame was concealed, and not needed: dropped, the delay back down
    [InlineData(true, 2, false, PlayoutOperation.Normal)]   // came late, but the buffer needs it: played late
    [InlineData(true, 0, true, PlayoutOperation.Normal)]    // nothing was concealed for it: played, whatever is queued
    [InlineData(false, 2, true, PlayoutOperation.Expand)]   // still missing: wait, concealing
    public void After_a_stall(bool nextHere, int stallCredit, bool coveredWithoutIt, object expected)
        => Assert.Equal((PlayoutOperation)expected, PlayoutDecision.NextFrame(nextHere, laterHere: false, stallCredit, afterHere: false, concealedRun: stallCredit, maxConcealedRun: 20, coveredWithoutIt));

    [Theory]
    // since the last LBRR packet, since the last loss (48 kHz samples), frame  →  spare kept beyond the minimum
    [InlineData(0, 0, 480, 480)]                  // FEC in the stream and a loss just now: one frame more, for the next packet to come in time
    [InlineData(47_999, 479_999, 480, 480)]       // still within both windows
    [InlineData(48_000, 0, 480, 0)]               // no LBRR for a second: nothing to wait for (the sender's FEC is off, or silence)
    [InlineData(0, 480_000, 480, 0)]              // no loss for ten seconds: the delay goes back down
    [InlineData(0, 0, 120, 120)]                  // the stream's own frame
    public void The_fec_allowance(long sinceFec, long sinceLoss, int frameSamples, int expected)
        => Assert.Equal(expected, PlayoutDecision.FecAllowance(sinceFec, sinceLoss, frameSamples));

    [Theory]
    // excess (samples), estimating, stretching on, cooling down, concealment  →  operation
    [InlineData(60, true, true, false, false, PlayoutOperation.Shorten)]    // 1.25 ms above: shorten
    [InlineData(59, true, true, false, false, PlayoutOperation.Normal)]     // less than the shortest period above: leave it
    [InlineData(-1, true, true, false, false, PlayoutOperation.Lengthen)]   // estimating: any shortfall lengthens
    [InlineData(-60, false, true, false, false, PlayoutOperation.Normal)]   // fixed: within the ±1.25 ms band
    [InlineData(-61, false, true, false, false, PlayoutOperation.Lengthen)] // fixed: below the band
    [InlineData(500, true, false, false, false, PlayoutOperation.Normal)]   // stretching off
    [InlineData(500, true, true, true, false, PlayoutOperation.Normal)]     // the last stretch still playing out
    [InlineData(-500, true, true, false, true, PlayoutOperation.Normal)]    // never stretch concealment
    public void The_stretch(double excess, bool estimating, bool stretching, bool coolingDown, bool concealment, object expected)
        => Assert.Equal((PlayoutOperation)expected, PlayoutDecision.Stretch(excess, estimating, stretching, coolingDown, concealment));

    [Theory]
    // queued, target, read, far-above reads before  →  operation, far-above reads after
    [InlineData(9600 + 480 + 480, 480, 480, 5, PlayoutOperation.Normal, 0)]       // at the 200 ms line: not above
    [InlineData(9600 + 480 + 481, 480, 480, 0, PlayoutOperation.Normal, 1)]       // above: counted
    [InlineData(9600 + 480 + 481, 480, 480, 8, PlayoutOperation.Normal, 9)]
    [InlineData(9600 + 480 + 481, 480, 480, 9, PlayoutOperation.Discard, 0)]      // the tenth read: discard, and count again from 0
    public void The_level(long queued, long target, int samples, int before, object expected, int after)
    {
        int farAbove = before;
        Assert.Equal((PlayoutOperation)expected, PlayoutDecision.Level(queued, target, samples, ref farAbove));
        Assert.Equal(after, farAbove);
    }
}
