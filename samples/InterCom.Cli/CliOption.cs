using System.CommandLine;

namespace InterCom.Cli;

/// <summary>How the commands define their options (once each: parsing and help both come from here).</summary>
internal static class CliOption
{
    /// <summary>An option with a value, <c>--name VALUE</c> (or <c>--name=VALUE</c>); given once unless the command's code accepts more.</summary>
    public static Option<string[]> Value(string name, string valueName, string description) => new("--" + name)
    {
        HelpName = valueName,
        Description = description,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>A flag, <c>--name</c>.</summary>
    public static Option<bool> Flag(string name, string description) => new("--" + name)
    {
        Description = description,
        Arity = ArgumentArity.Zero,
    };

    /// <summary>A command with its description (what <c>--help</c> shows first) and options.</summary>
    public static Command Command(string name, string description, params IEnumerable<Option>[] options)
    {
        var command = new Command(name, description);
        foreach (Option option in options.SelectMany(o => o))
        {
            command.Options.Add(option);
        }

        return command;
    }
}
