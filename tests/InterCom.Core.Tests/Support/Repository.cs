namespace InterCom.Core.Tests;

/// <summary>Where the repository the tests were built from is.</summary>
internal static class Repository
{
    /// <summary>The folder holding InterCom.Core.sln above the test binaries.</summary>
    public static string Root
    {
        get
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
    }
}
