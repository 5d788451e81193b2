using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using InterCom.Cli;

return await Cli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);

namespace InterCom.Cli
{
    /// <summary>The <c>intercom</c> command: dispatch, Ctrl+C/SIGTERM handling and exit codes.</summary>
    internal static class Cli
    {
        private const string Description = """
            intercom - low-latency full-duplex voice over RTP/UDP (InterCom.Core). Start with 'intercom demo'.
            'intercom COMMAND --help' describes a command. Exit codes: 0 success, 1 failure, 2 bad usage.
            """;

        /// <summary>Every command with its options, each defined once; help is generated from them.</summary>
        private static RootCommand Commands() => new(Description)
        {
            DemoCommand.Definition(),
            CallCommand.Definition(),
            DevicesCommand.Definition(),
            StatsCommand.Definition(),
            KeygenCommand.Definition(),
            RelayCommand.Definition(),
            LatencyCommand.Definition(),
            AecCommand.Definition(),
            ServeCommand.Definition(),
        };

        public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
        {
            using var stop = new CancellationTokenSource();
            int interrupts = 0;
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                // First Ctrl+C: stop cleanly (files closed, stats written). A second one: leave at once.
                e.Cancel = Interlocked.Increment(ref interrupts) == 1;
                stop.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            try
            {
                ParseResult parsed = Commands().Parse(args);
                var invocation = new InvocationConfiguration { Output = output, Error = error };
                if (args.Length == 0)
                {
                    await parsed.RootCommandResult.Command.Parse(["--help"]).InvokeAsync(invocation, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                    return 2;
                }

                if (parsed.Errors.Count > 0)
                {
                    string command = parsed.CommandResult.Command is RootCommand ? "" : $" {parsed.CommandResult.Command.Name}";
                    // An unknown word says more than the missing command it leaves behind.
                    ParseError first = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
                    throw new UsageException($"{first.Message} See 'intercom{command} --help'.");
                }

                if (parsed.Action is not null)
                {
                    return await parsed.InvokeAsync(invocation, CancellationToken.None).ConfigureAwait(false); // --help, --version
                }

                var given = new Arguments(parsed);
                return given.Command switch
                {
                    "call" => await CallCommand.RunAsync(given, output, error, stop.Token).ConfigureAwait(false),
                    "demo" => await DemoCommand.RunAsync(given, output, error, stop.Token).ConfigureAwait(false),
                    "devices" => await DevicesCommand.RunAsync(given, output).ConfigureAwait(false),
                    "stats" => await StatsCommand.RunAsync(given, output, stop.Token).ConfigureAwait(false),
                    "keygen" => await KeygenCommand.RunAsync(given, output).ConfigureAwait(false),
                    "relay" => await RelayCommand.RunAsync(given, output, error, stop.Token).ConfigureAwait(false),
                    "latency" => await LatencyCommand.RunAsync(given, output, error, stop.Token).ConfigureAwait(false),
                    "aec" => await AecCommand.RunAsync(given, output).ConfigureAwait(false),
                    "serve" => await ServeCommand.RunAsync(given, error, stop.Token).ConfigureAwait(false),
                    _ => throw new UsageException("Give a command: demo, call, devices, stats, keygen, relay, latency, aec, serve. See 'intercom --help'."),
                };
            }
            catch (UsageException e)
            {
                await error.WriteLineAsync($"intercom: {e.Message}").ConfigureAwait(false);
                return 2;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or PlatformNotSupportedException
                or IOException or UnauthorizedAccessException or InvalidDataException or FormatException or Core.Interop.PortAudioException)
            {
                await error.WriteLineAsync($"intercom: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
    }
}
