namespace InterCom.Core.Tests;

/// <summary>
/// The real parts a test needs beyond .NET, as <c>[Trait("Needs", ...)]</c> values: <c>dotnet test --filter
/// "Needs!=Jack&amp;Needs!=GStreamer&amp;Needs!=Processes"</c> runs what needs none of them.
/// </summary>
internal static class Needs
{
    /// <summary>The trait's name.</summary>
    public const string Trait = "Needs";

    /// <summary>A JACK server (scripts/test.sh starts one with the dummy driver) and PortAudio.</summary>
    public const string Jack = "Jack";

    /// <summary>GStreamer's gst-launch-1.0 with the good and bad plugins.</summary>
    public const string GStreamer = "GStreamer";

    /// <summary>Child processes: the built intercom command, or the process host's workers.</summary>
    public const string Processes = "Processes";
}
