using System.Reflection;

namespace InterCom.Core.Tests;

/// <summary>What the product assembly shows its users: no test or measurement tool, no internals of the counters.</summary>
public sealed class PublicApiTests
{
    private static readonly Type[] Public = typeof(Hosting.VoiceSession).Assembly.GetExportedTypes();

    [Fact]
    public void The_product_assembly_exports_no_test_tool()
    {
        string[] tools = [.. Public.Where(t => t.Namespace == "InterCom.Core.Testing" || t.Name.Contains("Relay", StringComparison.Ordinal)
            || t.Name.Contains("Impairment", StringComparison.Ordinal) || t.Name.Contains("Probe", StringComparison.Ordinal) || t.Name.Contains("Meter", StringComparison.Ordinal)).Select(t => t.FullName!)];
        Assert.Empty(tools);
        string[] probes = [.. Public.SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.Contains("Probe", StringComparison.Ordinal)).Select(m => $"{m.DeclaringType!.Name}.{m.Name}")];
        Assert.Empty(probes);
        Assert.Contains(typeof(Testing.ImpairedRelay).Assembly.GetExportedTypes(), t => t == typeof(Testing.LatencyProbe)); // they live in InterCom.Core.Testing
    }

    [Fact]
    public void The_counters_block_and_its_layout_are_internal()
    {
        Assert.DoesNotContain(Public, t => t.Name == "FlowControlCounters");
        Assert.DoesNotContain(Public, t => t.GetMethods().Any(m => m.Name == "RequestSsrcChange"));
        Assert.Contains(Public, t => t == typeof(FlowControl.FlowControlMonitor)); // reading a running call stays possible
    }

    [Fact]
    public void Statistics_print_readably()
    {
        var peer = new Diagnostics.PeerStatistics(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5004), 0xabc, 100, 4000, 2, 1, 0, 3, 0, 0.5, 40);
        string text = new Diagnostics.SessionStatistics(TimeSpan.FromSeconds(10), 1000, 40_000, [peer], 0, 0, 0).ToString();
        Assert.Contains("127.0.0.1:5004 SSRC 00000abc", text, StringComparison.Ordinal);
        Assert.Contains("sent 1000 packets", text, StringComparison.Ordinal);
        Assert.Contains("2 lost", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ReadOnlyArray", text, StringComparison.Ordinal); // what the record's own ToString printed for Peers
    }
}
