using static InterCom.Core.Interop.Interop;

namespace InterCom.Core.Speech;

/// <summary>
/// Whether Debian's libspeexdsp 1.2 is here: checked once, before the first state is made, so that a missing
/// package is a clear error naming it. The library has no version call; 1.2 is told by the echo canceller's
/// sampling-rate control (1.1 has none) answering with the rate set.
/// </summary>
internal static unsafe class SpeexDspLibrary
{
    private static readonly Lazy<string?> s_problem = new(FindProblem);

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> naming the package, unless libspeexdsp can be used.</summary>
    public static void EnsureUsable()
    {
        if (s_problem.Value is { } problem)
        {
            throw new PlatformNotSupportedException(problem);
        }
    }

    private static string? FindProblem()
    {
        try
        {
            Interop.Interop.Libraries.EnsureLoadable(SpeexDsp.Library, SpeexDsp.Package, "libspeexdsp", "Echo cancellation and noise suppression");
        }
        catch (PlatformNotSupportedException e)
        {
            return e.Message;
        }

        IntPtr echo = SpeexDsp.EchoStateInit(480, 4800);
        try
        {
            int rate = 48_000, readBack = 0;
            bool answers = SpeexDsp.EchoCtl(echo, SpeexDsp.EchoSetSamplingRate, &rate) == 0
                && SpeexDsp.EchoCtl(echo, SpeexDsp.EchoGetSamplingRate, &readBack) == 0 && readBack == rate;
            return answers ? null : $"{SpeexDsp.Library} does not take a sampling rate as libspeexdsp 1.2 does (Debian 12's {SpeexDsp.Package}); refused.";
        }
        finally
        {
            SpeexDsp.EchoStateDestroy(echo);
        }
    }
}
