namespace InterCom.Core.Interop;

/// <summary>
/// A native call that may block for good (a device or audio server that has gone), run on a thread of
/// its own and waited for a bounded time: a caller that gives up goes on, and the thread is left to
/// return whenever it does. Background threads never keep the process from exiting.
/// </summary>
internal sealed class BoundedCall
{
    private readonly Action _action;
    private Exception? _error;

    private BoundedCall(Action action) => _action = action;

    /// <summary>Runs <paramref name="action"/>; returns whether it ended within <paramref name="limit"/> (its exception, if any, is rethrown here).</summary>
    public static bool Run(Action action, TimeSpan limit, string name)
    {
        var call = new BoundedCall(action);
        var thread = new Thread(call.Execute) { IsBackground = true, Name = name };
        thread.Start();
        if (!thread.Join(limit))
        {
            return false;
        }

        if (call._error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }

        return true;
    }

    private void Execute()
    {
        try
        {
            _action();
        }
        catch (Exception e)
        {
            _error = e; // an exception escaping a thread would end the process
        }
    }
}
