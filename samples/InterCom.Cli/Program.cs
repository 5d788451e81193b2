using System.Runtime.InteropServices;
using InterCom.Cli;

return await Cli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);

namespace InterCom.Cli
{
    /// <summary>The <c>intercom</c> command: dispatch, Ctrl+C/SIGTERM handling and exit codes.</summary>
    internal static class Cli
    {
        private const string Usage = """
            intercom - low-latency full-duplex voice over RTP/UDP (InterCom.Core)

            usage: intercom COMMAND [options]

              demo       a call between two endpoints on this machine (start here)
              call       one end of a call with a peer on another machine
              devices    list audio devices
              stats      watch a running call's counters (call --session NAME)
              keygen     print a fresh key for encrypted calls (call --key)
              relay      a UDP relay that impairs traffic (loss, jitter, ...) to try a bad network
              latency    measure a call's device-to-device delay through the JACK server

            'intercom COMMAND --help' describes a command. Exit codes: 0 success, 1 failure, 2 bad usage.
            """;

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
                if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
                {
                    await output.WriteLineAsync(Usage).ConfigureAwait(false);
                    return args.Length == 0 ? 2 : 0;
                }

                string[] rest = args[1..];
                return args[0] switch
                {
                    "call" => await CallCommand.RunAsync(rest, output, error, stop.Token).ConfigureAwait(false),
                    "demo" => await DemoCommand.RunAsync(rest, output, error, stop.Token).ConfigureAwait(false),
                    "devices" => await DevicesCommand.RunAsync(rest, output).ConfigureAwait(false),
                    "stats" => await StatsCommand.RunAsync(rest, output, stop.Token).ConfigureAwait(false),
                    "keygen" => await KeygenCommand.RunAsync(rest, output).ConfigureAwait(false),
                    "relay" => await RelayCommand.RunAsync(rest, output, error, stop.Token).ConfigureAwait(false),
                    "latency" => await LatencyCommand.RunAsync(rest, output, error, stop.Token).ConfigureAwait(false),
                    "--version" => await Version(output).ConfigureAwait(false),
                    _ => throw new UsageException($"Unknown command '{args[0]}'. Commands: demo, call, devices, stats, keygen, relay, latency."),
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

        private static async Task<int> Version(TextWriter output)
        {
            await output.WriteLineAsync(typeof(Core.Hosting.VoiceSession).Assembly.GetName().Version?.ToString() ?? "?").ConfigureAwait(false);
            return 0;
        }
    }
}
