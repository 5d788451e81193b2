namespace InterCom.Core.Codecs;

/// <summary>Which Opus implementation encodes and decodes.</summary>
public enum OpusLibrary
{
    /// <summary>
    /// Native libopus when Concentus can load <c>libopus.so</c> (on Debian and Ubuntu:
    /// <c>apt-get install libopus-dev</c>, which adds that name for the system's libopus), otherwise
    /// Concentus's managed port. The default.
    /// </summary>
    Auto,

    /// <summary>Concentus's managed port of libopus: runs everywhere, costs 1.5–2× the CPU of native libopus and allocates on every frame (docs/measurements.md).</summary>
    Managed,

    /// <summary>Native libopus, or an error naming the package to install when it cannot be loaded.</summary>
    Native,
}
