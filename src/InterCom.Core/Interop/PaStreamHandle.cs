using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

/// <summary>An open <c>PaStream*</c> of one <see cref="PortAudioLibrary"/>; releasing it closes the stream.</summary>
internal sealed class PaStreamHandle : SafeHandle
{
    private readonly PortAudioLibrary _library;

    public PaStreamHandle(PortAudioLibrary library, IntPtr stream)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        _library = library;
        SetHandle(stream);
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => _library.CloseStream(handle) == Interop.PortAudio.paNoError;
}
