using System.CommandLine;
using System.Globalization;

namespace InterCom.Cli;

/// <summary>
/// What a command was given, read from System.CommandLine's parse: flags, and each value option's
/// values in order. The checks of values (numbers, ranges, choices, an option given twice) are here,
/// each error naming its option.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public Arguments(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Command = result.CommandResult.Command.Name;
        foreach (Option option in result.CommandResult.Command.Options)
        {
            if (result.GetResult(option) is not { Implicit: false } given)
            {
                continue;
            }

            string name = option.Name.TrimStart('-');
            if (option is Option<bool>)
            {
                _flags.Add(name);
            }
            else
            {
                _values[name] = [.. given.Tokens.Select(t => t.Value)];
            }
        }
    }

    /// <summary>The command's name.</summary>
    public string Command { get; }

    public bool Has(string flag) => _flags.Contains(flag);

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out List<string>? list) ? list : [];

    public string? Single(string name)
    {
        IReadOnlyList<string> all = All(name);
        return all.Count switch
        {
            0 => null,
            1 => all[0],
            _ => throw new UsageException($"--{name} is given {all.Count} times; give it once."),
        };
    }

    public string Required(string name) => Single(name) ?? throw new UsageException($"--{name} is required.");

    public double? Number(string name, double min, double max)
    {
        string? text = Single(name);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || double.IsNaN(value))
        {
            throw new UsageException($"--{name} must be a number, not '{text}'.");
        }

        if (value < min || value > max)
        {
            throw new UsageException($"--{name} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, not {text}.");
        }

        return value;
    }

    public int? Integer(string name, int min, int max)
    {
        double? value = Number(name, min, max);
        if (value is { } v && v != Math.Floor(v))
        {
            throw new UsageException($"--{name} must be a whole number, not {v.ToString(CultureInfo.InvariantCulture)}.");
        }

        return (int?)value;
    }

    public T? Choice<T>(string name, IReadOnlyDictionary<string, T> choices)
        where T : struct
    {
        string? text = Single(name);
        if (text is null)
        {
            return null;
        }

        return choices.TryGetValue(text.ToLowerInvariant(), out T value)
            ? value
            : throw new UsageException($"--{name} must be one of {string.Join(", ", choices.Keys)}; not '{text}'.");
    }
}
