using System.Diagnostics;
using System.Text;

namespace InterCom.Core.Tests;

/// <summary>The <c>intercom</c> command run as a real child process (its build output sits beside the tests).</summary>
internal sealed class IntercomProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private IntercomProcess(IEnumerable<string> args, IDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "intercom.dll"));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { lock (_stdout) { _stdout.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_stderr) { _stderr.AppendLine(e.Data); } };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string StandardOutput { get { lock (_stdout) { return _stdout.ToString(); } } }

    public string StandardError { get { lock (_stderr) { return _stderr.ToString(); } } }

    public static IntercomProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null) => new(args, environment);

    /// <summary>Runs to completion; fails the test if it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        using var process = Start(args, environment);
        int code = await process.WaitAsync(timeout);
        return (code, process.StandardOutput, process.StandardError);
    }

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            string signals = SignalDispositions(); // a SIGINT that never arrives is blocked or ignored: say which
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"intercom did not exit within {timeout.TotalSeconds} s. {signals} stderr: {StandardError}");
        }

        _process.WaitForExit(); // drain the output events
        return _process.ExitCode;
    }

    /// <summary>Kills the process alone (SIGKILL), not its children: as a crash or <c>kill -9</c> would.</summary>
    public void KillAlone() => _process.Kill(entireProcessTree: false);

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public void Interrupt() => Signal("INT");

    /// <summary>Sends the signal named (TERM, INT, ...) to the process.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>The process's blocked, ignored and caught signal masks (Linux), for a failure message.</summary>
    private string SignalDispositions()
    {
        try
        {
            return string.Join(' ', File.ReadAllLines($"/proc/{_process.Id}/status").Where(l => l.StartsWith("Sig", StringComparison.Ordinal)));
        }
        catch (IOException)
        {
            return "(no /proc status)";
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
