// One end of a one-to-one call, in a page: send a tone (or the default microphone), record what the
// other end sends to heard.wav (or play it on the default speakers), print the statistics.
//
//   dotnet run --project samples/OneToOne -- 5004 127.0.0.1:5006          (then, in another terminal)
//   dotnet run --project samples/OneToOne -- 5006 127.0.0.1:5004 --devices
using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Devices;
using InterCom.Core.Hosting;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: OneToOne LISTEN_PORT PEER_HOST:PORT [--devices]");
    return 2;
}

var options = new VoiceSessionOptions
{
    ListenEndPoint = new IPEndPoint(IPAddress.IPv6Any, int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture)),
    Peers = [IPEndPoint.Parse(args[1])],
};

await using var session = new VoiceSession(options);
PortAudioStream? devices = null;
if (args.Contains("--devices"))
{
    devices = PortAudioStream.Open(new PortAudioStreamOptions
    {
        InputDevice = PortAudioHost.FindDevice("default", AudioDirection.Input),
        OutputDevice = PortAudioHost.FindDevice("default", AudioDirection.Output),
        Format = session.Format,
    });
    devices.Start();
    session.Start(devices.Capture, devices.Playback);
}
else
{
    session.Start(new ToneSource(440, session.Format), new WavFileSink("heard.wav", session.Format));
}

Console.WriteLine($"Calling {args[1]} from {session.LocalEndPoint}; Ctrl+C to stop.");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
while (!stop.IsCancellationRequested)
{
    await Task.Delay(1000, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    foreach (var peer in session.GetStatistics().Peers)
    {
        Console.WriteLine($"{peer.EndPoint}: received {peer.PacketsReceived}, lost {peer.PacketsLost}, jitter {peer.JitterMs:F1} ms, delay {peer.PlayoutDelayMs:F0} ms");
    }
}

await session.DisposeAsync(); // closes heard.wav (and the device stream with it)
return 0;
