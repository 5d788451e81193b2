using System.Diagnostics;

namespace InterCom.Core.Tests;

/// <summary>
/// A JACK server (dummy driver) of a test's own, under a name of its own, that the test may stop and
/// start again: the shared server the test command starts stays up for every other test. Processes
/// reach it through <see cref="Environment"/> (<c>JACK_DEFAULT_SERVER</c>).
/// </summary>
internal sealed class PrivateJackServer : IDisposable
{
    private readonly int _sampleRate;
    private Process? _server;

    /// <param name="sampleRate">The server's rate (its dummy driver's).</param>
    public PrivateJackServer(int sampleRate = 48_000)
    {
        _sampleRate = sampleRate;
        Name = $"ic-{Guid.NewGuid():N}"[..15];
        Start();
    }

    public string Name { get; }

    /// <summary>What a child process needs in its environment to use this server.</summary>
    public Dictionary<string, string> Environment => new() { ["JACK_DEFAULT_SERVER"] = Name, ["JACK_NO_AUDIO_RESERVATION"] = "1" };

    /// <summary>Starts the server and waits until it answers (an external server's start-up: the one place a retry belongs).</summary>
    public void Start()
    {
        for (int attempt = 1; ; attempt++)
        {
            var info = new ProcessStartInfo("jackd") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string arg in new[] { "-n", Name, "-t", "2000", "-d", "dummy", "-r", _sampleRate.ToString(System.Globalization.CultureInfo.InvariantCulture), "-p", "256", "-C", "2", "-P", "2" })
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["JACK_NO_AUDIO_RESERVATION"] = "1";
            _server = Process.Start(info)!;
            _server.OutputDataReceived += (_, _) => { };
            _server.ErrorDataReceived += (_, _) => { };
            _server.BeginOutputReadLine();
            _server.BeginErrorReadLine();
            if (Run("jack_wait", "-w", "-t", "10") == 0)
            {
                return;
            }

            Stop();
            Assert.True(attempt < 3, $"the private JACK server {Name} did not start in {attempt} attempts");
        }
    }

    /// <summary>Ends the server (as a user stopping it would: SIGTERM, then SIGKILL if it lingers).</summary>
    public void Stop()
    {
        if (_server is not { } server)
        {
            return;
        }

        if (!server.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                term.WaitForExit();
            }

            if (!server.WaitForExit(5000))
            {
                server.Kill();
                server.WaitForExit();
            }
        }

        server.Dispose();
        _server = null;
    }

    /// <summary>A JACK tool run against this server; its exit code.</summary>
    public int Run(string tool, params string[] args) => Run(tool, out _, args);

    public int Run(string tool, out string output, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["JACK_DEFAULT_SERVER"] = Name;
        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(20_000))
        {
            process.Kill();
        }

        process.WaitForExit();
        output = stdout.Result + stderr.Result;
        return process.ExitCode;
    }

    /// <summary>Waits until the server lists <paramref name="port"/>; false if it does not within <paramref name="timeout"/>.</summary>
    public bool WaitForPort(string port, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Run("jack_lsp", out string ports) == 0 && ports.Split('\n').Any(p => p.Trim() == port))
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return false;
    }

    /// <summary>
    /// Waits until <paramref name="port"/> is connected to another port: a PortAudio stream has then
    /// started (it registers its ports when opened, connects them when started; a server killed
    /// between the two makes PortAudio's JACK code abort the process, which is not the fault tested).
    /// </summary>
    public bool WaitForConnection(string port, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Run("jack_lsp", out string listing, "-c", port) == 0 && listing.Split('\n').Any(l => l.StartsWith("   ", StringComparison.Ordinal) && l.Trim().Length > 0))
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return false;
    }

    public void Dispose() => Stop();
}
