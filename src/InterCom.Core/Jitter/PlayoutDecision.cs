namespace InterCom.Core.Jitter;

/// <summary>
/// The jitter buffer's decisions as pure functions of the situation: which <see cref="PlayoutOperation"/>
/// comes next. The caller carries it out; these hold no state, so that each rule reads (and is tested) as
/// a row of a table.
/// </summary>
internal static class PlayoutDecision
{
    /// <summary>Reads in a row far above the target before packets are discarded.</summary>
    internal const int FarAboveReadsBeforeDiscard = 10;

    /// <summary>200 ms: a burst after a stall, which stretching would take seconds to play down.</summary>
    internal const int FarAboveTargetSamples = 9600;

    /// <summary>A fixed target is held within ±1.25 ms.</summary>
    internal const int FixedBand = TimeStretcher.MinLag;

    /// <summary>A stream counts as carrying FEC for 1 s after its last packet with LBRR (the sender turns it off only after seconds without loss).</summary>
    internal const long FecSeenSamples = 48_000;

    /// <summary>Losses keep the FEC allowance for 10 s after the last one: random loss comes back within that, and one frame of delay is cheap.</summary>
    internal const long LossHoldSamples = 480_000;

    /// <summary>
    /// The spare kept beyond the minimum so that in-band FEC can work: a lost frame is rebuilt from the
    /// next packet only if that packet is there when the lost frame is due, which takes about one frame
    /// more delay than playing alone does. Kept while the stream carries FEC (LBRR flags seen in its
    /// packets) and frames are being lost; 0 otherwise (no FEC to wait for, or a clean link: the delay
    /// goes back down).
    /// </summary>
    /// <param name="sinceFec">How long since the last packet with LBRR came, 48 kHz samples.</param>
    /// <param name="sinceLoss">How long since a frame was last found lost, 48 kHz samples.</param>
    /// <param name="frameSamples">The stream's frame.</param>
    public static int FecAllowance(long sinceFec, long sinceLoss, int frameSamples)
        => sinceFec < FecSeenSamples && sinceLoss < LossHoldSamples ? frameSamples : 0;

    /// <summary>The next frame: from the next packet, rebuilt, concealed, waited for, or silence.</summary>
    /// <param name="nextHere">The packet due next is in its slot.</param>
    /// <param name="laterHere">A packet after it has come (so the next one is lost, or late).</param>
    /// <param name="stallCredit">Frames concealed while waiting for it that may stand in for it.</param>
    /// <param name="afterHere">The packet right after it is here (its in-band FEC may rebuild it).</param>
    /// <param name="concealedRun">Frames concealed in a row while nothing was buffered.</param>
    /// <param name="maxConcealedRun">The longest such run before going silent.</param>
    /// <param name="coveredWithoutIt">What is queued behind the next packet alone covers the target and the read.</param>
    public static PlayoutOperation NextFrame(bool nextHere, bool laterHere, int stallCredit, bool afterHere, int concealedRun, int maxConcealedRun, bool coveredWithoutIt = false)
    {
        if (nextHere)
        {
            return stallCredit > 0 && coveredWithoutIt ? PlayoutOperation.DropLate : PlayoutOperation.Normal;
        }

        if (laterHere)
        {
            return stallCredit > 0 ? PlayoutOperation.Skip : afterHere ? PlayoutOperation.Recover : PlayoutOperation.Conceal;
        }

        return concealedRun < maxConcealedRun ? PlayoutOperation.Expand : PlayoutOperation.Idle;
    }

    /// <summary>
    /// Just after a frame was decoded: whether to stretch. At least the shortest period (1.25 ms) above the
    /// target: shorten. Below it (with an adaptive estimate: any shortfall; fixed: more than 1.25 ms under):
    /// lengthen. Never while stretching is off or cooling down from the last stretch, never concealment.
    /// </summary>
    /// <param name="excess">How far the delay is above the target, samples (negative: below).</param>
    /// <param name="estimating">The target comes from an adaptive estimate (not a fixed or initial one).</param>
    /// <param name="stretching">Time-stretching is on.</param>
    /// <param name="coolingDown">Audio of the last stretch is still to be played out first.</param>
    /// <param name="concealment">The decoded audio is concealment.</param>
    public static PlayoutOperation Stretch(double excess, bool estimating, bool stretching, bool coolingDown, bool concealment)
    {
        if (!stretching || coolingDown || concealment)
        {
            return PlayoutOperation.Normal;
        }

        if (excess >= TimeStretcher.MinLag)
        {
            return PlayoutOperation.Shorten;
        }

        return excess < (estimating ? 0 : -FixedBand) ? PlayoutOperation.Lengthen : PlayoutOperation.Normal;
    }

    /// <summary>
    /// At a read: <see cref="PlayoutOperation.Discard"/> once the audio queued has stayed more than 200 ms
    /// above the target for <see cref="FarAboveReadsBeforeDiscard"/> reads in a row, else <see cref="PlayoutOperation.Normal"/>.
    /// </summary>
    /// <param name="queued">Audio queued now (packets and decoded), samples.</param>
    /// <param name="target">The slack wanted beyond a read, samples.</param>
    /// <param name="samples">What this read takes.</param>
    /// <param name="farAboveReads">Reads in a row found far above: counted here, and back to 0 when below or after a discard.</param>
    public static PlayoutOperation Level(long queued, long target, int samples, ref int farAboveReads)
    {
        if (queued <= target + samples + FarAboveTargetSamples)
        {
            farAboveReads = 0;
            return PlayoutOperation.Normal;
        }

        if (++farAboveReads < FarAboveReadsBeforeDiscard)
        {
            return PlayoutOperation.Normal;
        }

        farAboveReads = 0;
        return PlayoutOperation.Discard;
    }
}
