using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;
using InterCom.Benchmarks;

// dotnet run -c Release --project benchmarks/InterCom.Benchmarks -- --filter '*'
// dotnet run -c Release --project benchmarks/InterCom.Benchmarks -- --filter "*SpeechBenchmarks*"   (the speech chain per 10 ms block)
// dotnet run -c Release --project benchmarks/InterCom.Benchmarks -- robustness [--seconds 30] [--plot FILE.png]
// dotnet run -c Release --project benchmarks/InterCom.Benchmarks -- soak [--minutes 10] [--loss 20]
// dotnet run -c Release --project benchmarks/InterCom.Benchmarks -- fec [--seconds 30] [--loss 10] [--runs 3]
// dotnet run -c Release --project benchmarks/InterCom.Benchmarks -- congestion [--seconds 40] [--rate-kbps 28]
// dotnet run -c Release --project benchmarks/InterCom.Benchmarks -- latency-plot --out FILE.png LABEL=latency.json ...
return args switch
{
    ["robustness", .. var rest] => await RobustnessReport.RunAsync(rest),
    ["soak", .. var rest] => await RobustnessReport.SoakAsync(rest),
    ["fec", .. var rest] => await RobustnessReport.FecAsync(rest),
    ["congestion", .. var rest] => await CongestionReport.RunAsync(rest),
    ["latency-plot", .. var rest] => LatencyPlot.Run(rest),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
        .Run(args, DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default));
    return 0;
}
