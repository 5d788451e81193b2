using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace InterCom.Core.Tests;

/// <summary>The NuGet package as a user gets it: packed, then referenced from a folder feed by a new app.</summary>
[Trait(Needs.Trait, Needs.Processes)]
public sealed class PackageTests
{
    [Fact]
    public async Task Package_carries_readme_licence_docs_and_symbols_and_an_app_builds_against_it()
    {
        string repo = Repository.Root;
        string work = Directory.CreateTempSubdirectory("intercom-pack-").FullName;

        // Pack a copy, so that this never touches the build the tests run from.
        string copy = Path.Combine(work, "repo");
        CopyDirectory(Path.Combine(repo, "src", "InterCom.Core"), Path.Combine(copy, "src", "InterCom.Core"));
        foreach (string file in new[] { "Directory.Build.props", "Directory.Packages.props", "nuget.config", "README.md" })
        {
            File.Copy(Path.Combine(repo, file), Path.Combine(copy, file));
        }

        string feed = Path.Combine(work, "feed");
        // A version of its own: the machine's package cache may hold an older build under the real one.
        string version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        await RunAsync("dotnet", ["pack", Path.Combine(copy, "src", "InterCom.Core"), "-c", "Release", "-o", feed, $"-p:Version={version}"], work);
        string package = Assert.Single(Directory.GetFiles(feed, "InterCom.Core.*.nupkg"));
        Assert.Single(Directory.GetFiles(feed, "InterCom.Core.*.snupkg"));

        using (ZipArchive zip = ZipFile.OpenRead(package))
        {
            string[] entries = [.. zip.Entries.Select(e => e.FullName)];
            Assert.Contains("README.md", entries);
            Assert.Contains("lib/net10.0/InterCom.Core.dll", entries);
            Assert.Contains("lib/net10.0/InterCom.Core.xml", entries);
            using Stream nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
            XElement metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Field(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
            Assert.Equal("MIT", Field("license"));
            Assert.Contains("voice", Field("tags"), StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(Field("description")));
            Assert.Equal("README.md", Field("readme"));
        }

        // A new console app that references the package from the folder feed and uses the API.
        string app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "App.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="InterCom.Core" Version="VERSION" />
              </ItemGroup>
            </Project>
            """.Replace("VERSION", version, StringComparison.Ordinal));
        // It runs a call as two worker processes, with nothing in Main for them: the package alone
        // makes the app's re-entry a worker (startup hook), and a session in the app is the peer.
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Net;
            using System.Net.Sockets;
            using InterCom.Core.Audio;
            using InterCom.Core.Hosting;

            int port;
            using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
            {
                port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
            }

            var hostListen = new IPEndPoint(IPAddress.Loopback, port);
            await using var peer = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Peers = [hostListen] });
            peer.Start(new ToneSource(660, peer.Format), new WavFileSink(Path.Combine(AppContext.BaseDirectory, "peer.wav"), peer.Format));
            await using (var host = new ProcessHost(new ProcessHostOptions
            {
                Session = new VoiceSessionOptions { ListenEndPoint = hostListen, Peers = [peer.LocalEndPoint] },
                Input = "tone:440",
                Output = Path.Combine(AppContext.BaseDirectory, "host.wav"),
                StandbyWorkers = false,
            }))
            {
                await host.StartAsync();
                await Task.Delay(2500);
                var counters = host.GetFlowControl();
                Console.WriteLine($"app {Environment.ProcessId} workers {host.SenderProcessId} {host.ReceiverProcessId} sent {counters.Ces.PacketsSent} received {counters.Rdp.PacketsReceived}");
            }

            Console.WriteLine($"peer received {peer.GetStatistics().Peers.Sum(p => p.PacketsReceived)}");
            """);
        await RunAsync("dotnet", ["build", app, "-c", "Release"], work);
        string output = await RunAsync("dotnet", [Path.Combine(app, "bin", "Release", "net10.0", "App.dll")], work);
        string cached = Path.Combine(
            Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "intercom.core",
            version);
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true); // test builds do not pile up in the machine's cache
        }

        var run = System.Text.RegularExpressions.Regex.Match(output, @"app (\d+) workers (\d+) (\d+) sent (\d+) received (\d+)\s+peer received (\d+)");
        Assert.True(run.Success, output);
        long Number(int group) => long.Parse(run.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3, new[] { Number(1), Number(2), Number(3) }.Distinct().Count()); // two workers beside the app
        Assert.True(Number(4) > 0 && Number(5) > 0 && Number(6) > 0, output);          // both directions carried packets
    }

    private static async Task<string> RunAsync(string fileName, string[] args, string directory)
    {
        var info = new ProcessStartInfo(fileName) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', args)} failed:\n{await output}\n{await error}");
        return await output;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal))
            {
                continue;
            }

            string target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
