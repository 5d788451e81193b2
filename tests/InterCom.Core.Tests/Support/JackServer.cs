using System.Diagnostics;
using InterCom.Core.Devices;

namespace InterCom.Core.Tests;

/// <summary>
/// The JACK server (dummy driver) that the test command starts before the tests. Device tests use it
/// through PortAudio, as a user's application would; ports are wired with jack_connect.
/// </summary>
internal static class JackServer
{
    public static bool IsRunning => Run("jack_lsp", out _) == 0;

    /// <summary>The JACK device as PortAudio lists it; fails the test with the reason when there is none.</summary>
    public static AudioDevice Device()
    {
        Assert.True(IsRunning, "No JACK server is running: the test command (scripts/test.sh) starts one; see README.md.");
        IReadOnlyList<AudioDevice> devices = PortAudioHost.GetDevices();
        AudioDevice? jack = devices.FirstOrDefault(d => d.HostApi.Contains("JACK", StringComparison.Ordinal) && d.Name == "system");
        Assert.True(jack is not null, $"PortAudio lists no JACK 'system' device; it lists: {string.Join("; ", devices)}");
        return jack;
    }

    /// <summary>Connects two ports, retrying while a just-opened client's ports appear.</summary>
    public static void Connect(string source, string destination)
    {
        var deadline = Stopwatch.StartNew();
        string output = string.Empty;
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (Run($"jack_connect {source} {destination}", out output) == 0)
            {
                return;
            }

            Thread.Sleep(100);
        }

        Assert.Fail($"jack_connect {source} {destination} failed: {output}; ports: {Ports()}");
    }

    public static string Ports()
    {
        Run("jack_lsp", out string output);
        return output.ReplaceLineEndings(" ");
    }

    private static int Run(string commandLine, out string output)
    {
        string[] parts = commandLine.Split(' ');
        var info = new ProcessStartInfo(parts[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string part in parts.Skip(1))
        {
            info.ArgumentList.Add(part);
        }

        try
        {
            using Process process = Process.Start(info)!;
            output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            output = e.Message;
            return -1;
        }
    }
}
