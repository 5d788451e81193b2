using System.Globalization;

namespace InterCom.Cli;

/// <summary>
/// A command's options: <c>--name value</c>, <c>--name=value</c> and bare <c>--flag</c>s, each checked
/// against the command's known options so that a typo is an error naming it, never silently ignored.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public Arguments(string command, IReadOnlyList<string> args, IReadOnlySet<string> valueOptions, IReadOnlySet<string> flagOptions)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"'{command}' takes no argument '{arg}'; options start with --. See 'intercom {command} --help'.");
            }

            string name = arg[2..];
            string? value = null;
            int equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }

            if (flagOptions.Contains(name))
            {
                if (value is not null)
                {
                    throw new UsageException($"--{name} takes no value.");
                }

                _flags.Add(name);
                continue;
            }

            if (!valueOptions.Contains(name))
            {
                throw new UsageException($"Unknown option --{name} for '{command}'. See 'intercom {command} --help'.");
            }

            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"--{name} needs a value.");
                }

                value = args[++i];
            }

            if (!_values.TryGetValue(name, out List<string>? list))
            {
                _values[name] = list = [];
            }

            list.Add(value);
        }
    }

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
