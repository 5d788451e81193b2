namespace InterCom.Core.Hosting;

/// <summary>How to start this application again as it was started, without its own arguments.</summary>
internal static class WorkerCommandLine
{
    /// <summary>
    /// The host part of this process's command line: on Linux exactly what started it (for example
    /// <c>dotnet exec --runtimeconfig ... app.dll</c>), read from /proc/self/cmdline minus the
    /// application's arguments; elsewhere the executable, and the entry assembly when it runs under
    /// the <c>dotnet</c> host.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">There is no executable to start again.</exception>
    public static string[] Get()
    {
        string executable = Environment.ProcessPath ?? throw new PlatformNotSupportedException("This process has no executable path to start workers from.");
        string[] appArguments = Environment.GetCommandLineArgs(); // [entry assembly, arguments...]
        if (File.Exists("/proc/self/cmdline"))
        {
            string[] all = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
            int hostCount = all.Length - (appArguments.Length - 1);
            if (hostCount >= 1)
            {
                string[] host = all[..hostCount];
                host[0] = executable;
                string last = host[^1];
                if (hostCount > 1 && Path.GetFullPath(last) == Path.GetFullPath(appArguments[0]))
                {
                    host[^1] = Path.GetFullPath(last); // the entry assembly, found whatever the current folder becomes
                }

                return host;
            }
        }

        bool underDotnetHost = Path.GetFileNameWithoutExtension(executable).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return underDotnetHost ? [executable, Path.GetFullPath(appArguments[0])] : [executable];
    }
}
