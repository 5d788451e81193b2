using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace InterCom.Core.Tests;

/// <summary>The NuGet package as a user gets it: packed, then referenced from a folder feed by a new app.</summary>
public sealed class PackageTests
{
    [Fact]
    public async Task Package_carries_readme_licence_docs_and_symbols_and_an_app_builds_against_it()
    {
        string repo = FindRepositoryRoot();
        string work = Directory.CreateTempSubdirectory("intercom-pack-").FullName;

        // Pack a copy, so that this never touches the build the tests run from.
        string copy = Path.Combine(work, "repo");
        CopyDirectory(Path.Combine(repo, "src", "InterCom.Core"), Path.Combine(copy, "src", "InterCom.Core"));
        foreach (string file in new[] { "Directory.Build.props", "Directory.Packages.props", "nuget.config", "README.md" })
        {
            File.Copy(Path.Combine(repo, file), Path.Combine(copy, file));
        }

        string feed = Path.Combine(work, "feed");
        await RunAsync("dotnet", ["pack", Path.Combine(copy, "src", "InterCom.Core"), "-c", "Release", "-o", feed], work);
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
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="InterCom.Core" Version="*" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using InterCom.Core.Audio;
            using InterCom.Core.Hosting;
            await using var session = new VoiceSession(new VoiceSessionOptions());
            System.Console.WriteLine(session.Format);
            """);
        await RunAsync("dotnet", ["build", app, "-c", "Release"], work);
    }

    private static async Task RunAsync(string fileName, string[] args, string directory)
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
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "InterCom.Core.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The tests run outside the repository: no InterCom.Core.sln above " + AppContext.BaseDirectory);
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
