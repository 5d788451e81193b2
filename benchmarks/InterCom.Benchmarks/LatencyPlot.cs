using System.Globalization;
using System.Text.Json;

namespace InterCom.Benchmarks;

/// <summary>
/// <c>latency-plot --out FILE.png LABEL=RESULT.json ...</c>: the budgets of <c>intercom latency --json</c>
/// runs as stacked bars, each with its measured delay beside it (docs/performance.md).
/// </summary>
internal static class LatencyPlot
{
    public static int Run(string[] args)
    {
        int outAt = Array.IndexOf(args, "--out");
        if (outAt < 0 || outAt + 1 >= args.Length)
        {
            Console.Error.WriteLine("usage: latency-plot --out FILE.png LABEL=RESULT.json ...");
            return 2;
        }

        string path = args[outAt + 1];
        (string Label, JsonElement Result)[] runs = [.. args.Where((_, i) => i != outAt && i != outAt + 1).Select(Load)];
        var plot = new ScottPlot.Plot();
        string[] stages = [.. runs[0].Result.GetProperty("budgetMs").EnumerateObject().Select(p => p.Name)];
        var palette = new ScottPlot.Palettes.Category10();
        for (int r = 0; r < runs.Length; r++)
        {
            double bottom = 0;
            for (int s = 0; s < stages.Length; s++)
            {
                double ms = runs[r].Result.GetProperty("budgetMs").GetProperty(stages[s]).GetDouble();
                var bar = new ScottPlot.Bar { Position = (r * 3) + 1, ValueBase = bottom, Value = bottom + ms, FillColor = palette.GetColor(s), Size = 0.9 };
                plot.Add.Bar(bar);
                bottom += ms;
            }

            double measured = runs[r].Result.GetProperty("callMs").GetDouble();
            plot.Add.Bar(new ScottPlot.Bar { Position = (r * 3) + 2, Value = measured, FillColor = ScottPlot.Colors.Black, Size = 0.9, Label = measured.ToString("F1", CultureInfo.InvariantCulture) });
        }

        for (int s = 0; s < stages.Length; s++)
        {
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = stages[s], FillColor = palette.GetColor(s) });
        }

        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "measured (probe)", FillColor = ScottPlot.Colors.Black });
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.Axes.Bottom.SetTicks([.. runs.Select((_, r) => (r * 3) + 1.5)], [.. runs.Select(run => run.Label)]);
        plot.Axes.Margins(bottom: 0);
        plot.Title("Device-to-device delay through JACK: budget per stage and measured");
        plot.YLabel("ms");
        plot.SavePng(path, 1000, 500);
        Console.WriteLine($"plot: {path}");
        return 0;
    }

    private static (string Label, JsonElement Result) Load(string argument)
    {
        int eq = argument.IndexOf('=', StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(argument[(eq + 1)..]));
        return (argument[..eq], doc.RootElement.Clone());
    }
}
