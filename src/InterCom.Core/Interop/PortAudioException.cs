namespace InterCom.Core.Interop;

/// <summary>A PortAudio call failed; <see cref="ErrorCode"/> keeps PortAudio's <c>PaError</c>.</summary>
public sealed class PortAudioException : Exception
{
    /// <summary>Creates an exception for <paramref name="errorCode"/> returned by <paramref name="function"/>.</summary>
    /// <param name="errorCode">PortAudio's <c>PaError</c> (negative).</param>
    /// <param name="function">The native function that failed.</param>
    /// <param name="message">What the user should know, including PortAudio's own text.</param>
    public PortAudioException(int errorCode, string function, string message)
        : base(message)
    {
        ErrorCode = errorCode;
        Function = function;
    }

    /// <summary>PortAudio's error code (<c>PaError</c>), e.g. -9997 for an invalid sample rate.</summary>
    public int ErrorCode { get; }

    /// <summary>The PortAudio function that failed, e.g. <c>Pa_OpenStream</c>.</summary>
    public string Function { get; }

    /// <summary>Throws a <see cref="PortAudioException"/> when <paramref name="errorCode"/> is an error.</summary>
    internal static void ThrowIfError(int errorCode, string function, string? context = null)
    {
        if (errorCode >= Interop.PortAudio.paNoError)
        {
            return;
        }

        Throw(errorCode, function, context);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Throw(int errorCode, string function, string? context)
    {
        string text = PortAudioLibrary.System.ErrorText(errorCode);
        string prefix = context is null ? string.Empty : context + ": ";
        throw new PortAudioException(errorCode, function, $"{prefix}{function} failed: {text} ({errorCode}).");
    }
}
