// A mesh in a page: N endpoints in this process, each sending its own tone to all the others and
// recording the mix of what it hears to mesh-K.wav. Halfway through, the last endpoint leaves (BYE).
//
//   dotnet run --project samples/Mesh -- 4
using System.Globalization;
using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Hosting;

int count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4;
var options = new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
VoiceSession[] hosts = [.. Enumerable.Range(0, count).Select(_ => new VoiceSession(options))];

foreach (VoiceSession host in hosts)
{
    foreach (VoiceSession other in hosts.Where(o => o != host))
    {
        host.AddPeer(other.LocalEndPoint); // every host sends to every other: N-1 sends per frame
    }
}

for (int k = 0; k < count; k++)
{
    double tone = 300 + (200 * k);
    hosts[k].Start(new ToneSource(tone, hosts[k].Format), new WavFileSink($"mesh-{k}.wav", hosts[k].Format));
    Console.WriteLine($"host {k} on {hosts[k].LocalEndPoint} sends {tone} Hz, records mesh-{k}.wav");
}

await Task.Delay(TimeSpan.FromSeconds(2));
await hosts[^1].DisposeAsync(); // leaves: its BYE drops its stream at the others at once
Console.WriteLine($"host {count - 1} left");
await Task.Delay(TimeSpan.FromSeconds(2));

foreach (VoiceSession host in hosts[..^1])
{
    await host.DisposeAsync();
    var stats = host.GetStatistics();
    Console.WriteLine($"{host.LocalEndPoint}: sent {stats.PacketsSent}; " + string.Join("; ", stats.Peers.Select(p =>
        $"{p.EndPoint} received {p.PacketsReceived}, lost {p.PacketsLost}{(p.HasLeft ? " (left)" : string.Empty)}")));
}
