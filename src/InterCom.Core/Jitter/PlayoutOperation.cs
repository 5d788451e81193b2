namespace InterCom.Core.Jitter;

/// <summary>What the playout side does next, as <see cref="PlayoutDecision"/> decides it (after NetEQ's operations).</summary>
internal enum PlayoutOperation
{
    /// <summary>Decode the next packet (or, after a stretch decision: leave the audio as it is).</summary>
    Normal,

    /// <summary>The next packet is missing and a later one is here: rebuild it from the later packet's in-band FEC (conceal when it carries none).</summary>
    Recover,

    /// <summary>The next packet is missing and a later one is here: conceal it and move past it.</summary>
    Conceal,

    /// <summary>Nothing is buffered: conceal one frame without moving past the next packet, so that it still plays when it comes (the delay grows by a frame).</summary>
    Expand,

    /// <summary>The next packet is missing, and a frame concealed while waiting for it already stood in for it: move past it.</summary>
    Skip,

    /// <summary>
    /// The next packet came late, after a frame was concealed while waiting for it, and what is queued
    /// behind it still covers the target: drop it (counted late), so a stall costs the concealment and
    /// not its length in lasting delay.
    /// </summary>
    DropLate,

    /// <summary>Nothing came for the longest run of concealment: go silent until the next talkspurt.</summary>
    Idle,

    /// <summary>The delay is above the target: remove a pitch period of the decoded audio.</summary>
    Shorten,

    /// <summary>The delay is below the target: insert a pitch period.</summary>
    Lengthen,

    /// <summary>The delay stayed far above the target (a burst after a stall): drop whole packets down to it.</summary>
    Discard,
}
