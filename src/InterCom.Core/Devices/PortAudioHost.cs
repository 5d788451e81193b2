using System.Globalization;
using System.Runtime.InteropServices;
using InterCom.Core.Interop;
using static InterCom.Core.Interop.Interop.PortAudio;

namespace InterCom.Core.Devices;

/// <summary>
/// Process-wide PortAudio state: initialization (reference counted: the first stream or listing
/// initializes, the last one terminates), the JACK client name, device listing and selection.
/// </summary>
public static unsafe class PortAudioHost
{
    private static readonly Lock s_gate = new();
    private static PortAudioLibrary? s_current;               // the instance new streams and listings use
    private static readonly Dictionary<PortAudioLibrary, int> s_references = [];
    private static readonly HashSet<PortAudioLibrary> s_abandoned = [];
    private static string? s_jackClientName;
    private static IntPtr s_jackClientNameUtf8;
    private static string? s_jackClientNameUtf8For;

    /// <summary>
    /// The JACK client name PortAudio registers under (its ports are then <c>NAME:in_0</c>,
    /// <c>NAME:out_0</c>, ...). PortAudio takes it at initialization, so it must be set while no stream
    /// is open; default <see langword="null"/> (PortAudio's own default, "PortAudio").
    /// </summary>
    /// <exception cref="InvalidOperationException">A stream is open.</exception>
    public static string? JackClientName
    {
        get => s_jackClientName;
        set
        {
            lock (s_gate)
            {
                if (s_current is { } current && s_references.GetValueOrDefault(current) > 0 && value != s_jackClientName)
                {
                    throw new InvalidOperationException("The JACK client name can only be changed while no PortAudio stream is open.");
                }

                s_jackClientName = value;
            }
        }
    }

    /// <summary>
    /// Whether libasound's "ALSA lib ..." messages, printed while PortAudio probes ALSA devices, and
    /// libjack's, printed while a JACK server is away, are dropped; default <see langword="true"/>. Set
    /// before the first PortAudio use to keep them.
    /// </summary>
    public static bool SilenceAlsaMessages { get; set; } = true;

    /// <summary>PortAudio's version text, e.g. "PortAudio V19.6.0-devel, revision 396fe4b6699ae929d3a685b3ef8a7e97396139a4".</summary>
    /// <exception cref="PlatformNotSupportedException">PortAudio is not installed; the message names the package.</exception>
    public static string VersionText
    {
        get => PortAudioLibrary.System.VersionText;
    }

    /// <summary>Lists every device of every host API.</summary>
    /// <exception cref="PlatformNotSupportedException">PortAudio is not installed; the message names the package.</exception>
    public static IReadOnlyList<AudioDevice> GetDevices()
    {
        PortAudioLibrary library = Acquire();
        try
        {
            return ListDevices(library);
        }
        finally
        {
            Release(library);
        }
    }

    /// <summary>
    /// Finds a device for <paramref name="direction"/> from a user's words: <c>default</c>; a device
    /// index; or a case-insensitive name substring, optionally prefixed with a host API substring and a
    /// colon (<c>jack:system</c>, <c>alsa:pulse</c>).
    /// </summary>
    /// <param name="specification">What the user typed.</param>
    /// <param name="direction">Capture or playback: the device must have channels that way.</param>
    /// <exception cref="ArgumentException">No such device; the message lists what there is.</exception>
    public static AudioDevice FindDevice(string specification, AudioDirection direction)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(specification);
        IReadOnlyList<AudioDevice> devices = GetDevices();
        return Select(devices, specification, direction);
    }

    internal static AudioDevice Select(IReadOnlyList<AudioDevice> devices, string specification, AudioDirection direction)
    {
        bool input = direction == AudioDirection.Input;
        bool Usable(AudioDevice d) => input ? d.MaxInputChannels > 0 : d.MaxOutputChannels > 0;
        string what = input ? "input (capture)" : "output (playback)";
        AudioDevice? found;
        if (specification.Equals("default", StringComparison.OrdinalIgnoreCase))
        {
            found = devices.FirstOrDefault(d => input ? d.IsDefaultInput : d.IsDefaultOutput);
            found ??= devices.FirstOrDefault(Usable);
        }
        else if (int.TryParse(specification, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            found = devices.FirstOrDefault(d => d.Index == index);
            if (found is not null && !Usable(found))
            {
                throw new ArgumentException($"Device {found} has no {what} channels.", nameof(specification));
            }
        }
        else
        {
            string name = specification;
            string? api = null;
            int colon = specification.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && devices.Any(d => d.HostApi.Contains(specification[..colon], StringComparison.OrdinalIgnoreCase)))
            {
                api = specification[..colon];
                name = specification[(colon + 1)..];
            }

            found = devices.FirstOrDefault(d => Usable(d)
                && (api is null || d.HostApi.Contains(api, StringComparison.OrdinalIgnoreCase))
                && d.Name.Contains(name, StringComparison.OrdinalIgnoreCase));
        }

        if (found is null)
        {
            string list = devices.Count == 0
                ? "PortAudio lists no devices at all (no sound card and no audio server such as JACK or PulseAudio running?)"
                : "devices: " + string.Join("; ", devices.Where(Usable).Select(d => d.ToString()));
            throw new ArgumentException($"No {what} device matches '{specification}'; {list}. Run 'intercom devices' to see them all.", nameof(specification));
        }

        return found;
    }

    /// <summary>Initializes the current instance if no one uses it yet, and counts one more user of it.</summary>
    internal static PortAudioLibrary Acquire()
    {
        lock (s_gate)
        {
            PortAudioLibrary library = s_current ??= s_abandoned.Count == 0 ? PortAudioLibrary.System : PortAudioLibrary.LoadFreshCopy();
            int references = s_references.GetValueOrDefault(library);
            if (references == 0)
            {
                if (SilenceAlsaMessages)
                {
                    Interop.Interop.Alsa.SilenceErrorMessages();
                    Interop.Interop.Jack.SilenceMessages();
                }

                SetJackClientName(library);
                PortAudioException.ThrowIfError(library.Initialize(), "Pa_Initialize");
            }

            s_references[library] = references + 1;
            return library;
        }
    }

    /// <summary>One user fewer; the last one terminates the instance, unless it was abandoned (terminating it would wait as its stream did).</summary>
    internal static void Release(PortAudioLibrary library)
    {
        lock (s_gate)
        {
            int references = s_references.GetValueOrDefault(library) - 1;
            s_references[library] = references;
            if (references == 0 && !s_abandoned.Contains(library))
            {
                _ = library.Terminate();
            }
        }
    }

    /// <summary>
    /// Gives up on an instance whose stream would not close in time: it is never called again by new
    /// streams, never terminated, and the next <see cref="Acquire"/> loads a fresh copy of the library.
    /// Streams still open on it keep working with it.
    /// </summary>
    internal static void Abandon(PortAudioLibrary library)
    {
        lock (s_gate)
        {
            s_abandoned.Add(library);
            if (s_current == library)
            {
                s_current = null;
            }
        }
    }

    private static void SetJackClientName(PortAudioLibrary library)
    {
        if (s_jackClientName is null || !library.HasJack)
        {
            return; // nothing to name, or PortAudio built without JACK
        }

        // PortAudio keeps the pointer, not a copy, and an abandoned instance may still hold an older one:
        // a name's bytes are never freed (a few bytes per name ever set).
        if (s_jackClientNameUtf8For != s_jackClientName)
        {
            s_jackClientNameUtf8 = Marshal.StringToCoTaskMemUTF8(s_jackClientName);
            s_jackClientNameUtf8For = s_jackClientName;
        }

        PortAudioException.ThrowIfError(library.JackSetClientName((byte*)s_jackClientNameUtf8), "PaJack_SetClientName");
    }

    private static List<AudioDevice> ListDevices(PortAudioLibrary library)
    {
        int count = library.GetDeviceCount();
        PortAudioException.ThrowIfError(count, "Pa_GetDeviceCount");
        int defaultIn = library.GetDefaultInputDevice();
        int defaultOut = library.GetDefaultOutputDevice();
        var devices = new List<AudioDevice>(count);
        for (int i = 0; i < count; i++)
        {
            PaDeviceInfo* info = library.GetDeviceInfo(i);
            if (info is null)
            {
                continue;
            }

            PaHostApiInfo* api = library.GetHostApiInfo(info->hostApi);
            devices.Add(new AudioDevice(
                i,
                Utf8(info->name) ?? $"device {i}",
                api is null ? "?" : Utf8(api->name) ?? "?",
                info->maxInputChannels,
                info->maxOutputChannels,
                info->defaultSampleRate,
                info->defaultLowInputLatency,
                info->defaultLowOutputLatency,
                i == defaultIn,
                i == defaultOut));
        }

        return devices;
    }
}
