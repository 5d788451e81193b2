using InterCom.Core.Security;

namespace InterCom.Cli;

/// <summary><c>intercom keygen</c>: a fresh pre-shared key for <c>call --key</c>.</summary>
internal static class KeygenCommand
{
    /// <summary>The command, its options and its help.</summary>
    public static System.CommandLine.Command Definition() => CliOption.Command(
        "keygen",
        """
        Prints a fresh key for encrypted calls: 28 random bytes (a 16-byte AES-128 master key and a
        12-byte salt) in Base64. Give every end of the call the same key, with --key or --key-file,
        over a channel you trust (it is the whole secret). With --out, writes it to FILE instead,
        readable by its owner only.
        """,
        [CliOption.Value("out", "FILE", "write the key to FILE (owner-only) instead of printing it")]);


    public static async Task<int> RunAsync(Arguments args, TextWriter output)
    {
        string key = SrtpMasterKey.Generate().ToBase64();
        if (args.Single("out") is { } path)
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using var file = new StreamWriter(path, options);
            await file.WriteLineAsync(key).ConfigureAwait(false);
            return 0;
        }

        await output.WriteLineAsync(key).ConfigureAwait(false);
        return 0;
    }
}
