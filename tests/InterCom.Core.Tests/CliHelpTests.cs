using System.Text.RegularExpressions;

namespace InterCom.Core.Tests;

/// <summary>Every option the README documents appears in its command's generated --help.</summary>
[Trait(Needs.Trait, Needs.Processes)]
public sealed partial class CliHelpTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Commands() => [.. DocumentedOptions().Keys];

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_lists_every_documented_option(string command)
    {
        (int code, string output, string error) = await IntercomProcess.RunAsync([command, "--help"], Timeout);
        Assert.True(code == 0, $"intercom {command} --help exited {code}: {error}");
        string[] documented = DocumentedOptions()[command];
        Assert.Contains($"intercom {command}", output, StringComparison.Ordinal);
        Assert.True(command != "call" || documented.Length >= 20, $"README's call options were not found: {string.Join(", ", documented)}");
        string[] missing = [.. documented.Where(o => !Regex.IsMatch(output, $@"(^|[\s,\[]){Regex.Escape(o)}\b", RegexOptions.Multiline))];
        Assert.True(missing.Length == 0, $"intercom {command} --help lacks {string.Join(", ", missing)}:\n{output}");
    }

    /// <summary>README's command table (each row's options), and its table of <c>call</c> options.</summary>
    private static Dictionary<string, string[]> DocumentedOptions()
    {
        string[] readme = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));
        var options = new Dictionary<string, string[]>();
        foreach (string row in readme.Where(l => l.StartsWith("| `intercom ", StringComparison.Ordinal)))
        {
            string usage = row.Split('|')[1];
            string command = usage.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1].TrimEnd('`');
            options[command] = [.. Option().Matches(usage).Select(m => m.Value).Distinct()];
        }

        int table = Array.FindIndex(readme, l => l.StartsWith("`intercom call` options", StringComparison.Ordinal));
        IEnumerable<string> callRows = readme.Skip(table + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2);
        options["call"] = [.. options["call"].Concat(callRows.SelectMany(r => Option().Matches(r.Split('|')[1]).Select(m => m.Value))).Distinct()];
        return options;
    }

    [GeneratedRegex(@"--[a-z][a-z0-9-]*")]
    private static partial Regex Option();
}
