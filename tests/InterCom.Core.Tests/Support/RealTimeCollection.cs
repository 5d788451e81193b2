namespace InterCom.Core.Tests;

/// <summary>
/// Tests that run audio in real time (sessions, devices, child processes). They run alone, never beside
/// CPU-heavy tests: on a 2-core machine a starved playout thread would make a test about the product
/// fail for a reason that is about the test run. Tests that count a thread's allocations run here too:
/// beside tests that allocate heavily, the count picks up about 8 KB (an allocation context's worth)
/// now and then when their garbage collections come (measured: calls that allocate nothing charged
/// 7–9 KB each, only with other tests running).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTimeCollection
{
    public const string Name = "Real time";
}
