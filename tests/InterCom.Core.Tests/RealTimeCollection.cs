namespace InterCom.Core.Tests;

/// <summary>
/// Tests that run audio in real time (sessions, devices, child processes). They run alone, never beside
/// CPU-heavy tests: on a 2-core machine a starved playout thread would make a test about the product
/// fail for a reason that is about the test run.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTimeCollection
{
    public const string Name = "Real time";
}
