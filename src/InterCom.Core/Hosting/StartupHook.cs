using InterCom.Core.Hosting;

#pragma warning disable CA1050 // The runtime looks the hook up by this exact name, in no namespace.

/// <summary>
/// The .NET startup hook (<c>DOTNET_STARTUP_HOOKS</c>) through which <see cref="ProcessHost"/> turns a
/// re-launch of the application into a worker process: when the worker variable is set, the worker runs
/// here, before the application's <c>Main</c>, and the process exits when it is done; otherwise this
/// returns at once and the application starts as usual.
/// </summary>
internal static class StartupHook
{
    /// <summary>Called by the runtime before <c>Main</c>.</summary>
    public static void Initialize()
    {
        string? json = Environment.GetEnvironmentVariable(WorkerConfig.EnvironmentVariable);
        if (json is null)
        {
            return;
        }

        Environment.SetEnvironmentVariable(WorkerConfig.EnvironmentVariable, null); // not inherited by anything the worker starts
        Environment.Exit(WorkerProcess.Run(json, Console.Out, Console.Error));
    }
}
