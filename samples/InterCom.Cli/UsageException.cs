namespace InterCom.Cli;

/// <summary>The command line is wrong: exit code 2, and the message names the option.</summary>
internal sealed class UsageException(string message) : Exception(message);
