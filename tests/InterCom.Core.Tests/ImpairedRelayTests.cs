using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using InterCom.Core.Testing;

namespace InterCom.Core.Tests;

/// <summary>The impairing relay over real loopback sockets: each impairment at its rate, reproducibly.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class ImpairedRelayTests
{
    private const int Count = 2000;

    [Fact]
    public void Loss_duplication_and_reordering_happen_at_their_rates_are_counted_and_a_seed_repeats_them()
    {
        var impairment = new NetworkImpairment { LossPercent = 10, DuplicatePercent = 5, ReorderPercent = 10, Seed = 7 };
        (List<int> arrivals, RelayStatistics stats) = Pass(impairment);
        int unique = arrivals.Distinct().Count();
        int duplicates = arrivals.Count - unique;
        int overtaken = 0;
        for (int i = 1; i < arrivals.Count; i++)
        {
            overtaken += arrivals[i] < arrivals[i - 1] ? 1 : 0;
        }

        // What arrived is what the relay says it did, exactly.
        Assert.Equal(Count, stats.Received);
        Assert.Equal(Count - stats.Lost, unique);
        Assert.Equal(stats.Duplicated, duplicates);
        Assert.Equal(stats.Reordered, overtaken);
        // And the rates are the asked ones: within 5 standard deviations of the binomial counts.
        Assert.InRange(stats.Lost, 200 - 70, 200 + 70);
        Assert.InRange(stats.Duplicated, 90 - 50, 90 + 50);
        Assert.InRange(stats.Reordered, 180 - 65, 180 + 65);

        (List<int> again, _) = Pass(impairment);
        Assert.Equal(arrivals, again); // the same seed, the same fates, in the same order
        (List<int> other, _) = Pass(impairment with { Seed = 8 });
        Assert.NotEqual(arrivals, other);
    }

    [Fact]
    public void A_relay_listening_on_every_address_takes_ipv4_datagrams_too()
    {
        using var receiver = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var relay = new ImpairedRelay(new IPEndPoint(IPAddress.IPv6Any, 0), (IPEndPoint)receiver.Client.LocalEndPoint!, new NetworkImpairment());
        using var sender = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        sender.Send([1, 2, 3], new IPEndPoint(IPAddress.Loopback, relay.LocalEndPoint.Port));
        receiver.Client.ReceiveTimeout = 5000;
        IPEndPoint? from = null;
        Assert.Equal([1, 2, 3], receiver.Receive(ref from));
    }

    [Fact]
    public void Losses_come_in_bursts_of_the_given_length()
    {
        (List<int> arrivals, RelayStatistics stats) = Pass(new NetworkImpairment { LossPercent = 6, BurstLength = 3, Seed = 3 });
        var received = arrivals.ToHashSet();
        var runs = new List<int>();   // runs of missing numbers that end before the last datagram
        int tail = 0;                 // a burst still running when the stream ended is cut short
        for (int i = 0, run = 0; i <= Count; i++)
        {
            if (i < Count && !received.Contains(i))
            {
                run++;
            }
            else if (run > 0)
            {
                if (i == Count)
                {
                    tail = run;
                }
                else
                {
                    runs.Add(run);
                }

                run = 0;
            }
        }

        Assert.Equal(stats.Lost, runs.Sum() + tail);
        Assert.All(runs, r => Assert.Equal(0, r % 3)); // whole bursts (two may touch)
        Assert.InRange(stats.Lost, 120 - 60, 120 + 60);
    }

    [Fact]
    public void Delay_and_jitter_hold_each_datagram_back_for_their_range()
    {
        var impairment = new NetworkImpairment { Delay = TimeSpan.FromMilliseconds(50), Jitter = TimeSpan.FromMilliseconds(10), Seed = 2 };
        using var receiver = Bound();
        using var relay = new ImpairedRelay(new IPEndPoint(IPAddress.Loopback, 0), (IPEndPoint)receiver.LocalEndPoint!, impairment);
        using var sender = Bound();
        var delays = new List<double>();
        receiver.ReceiveTimeout = 2000;
        var listening = new Thread(() =>
        {
            var received = new byte[16];
            while (delays.Count < 100 && receiver.Receive(received) == 16) // arrival time, as it happens
            {
                delays.Add(Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64LittleEndian(received)).TotalMilliseconds);
            }
        });
        listening.Start();
        var buffer = new byte[16];
        for (int i = 0; i < 100; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(buffer, Stopwatch.GetTimestamp());
            sender.SendTo(buffer, relay.LocalEndPoint);
            Thread.Sleep(5);
        }

        listening.Join();
        Assert.Equal(100, delays.Count);

        delays.Sort();
        Assert.True(delays[0] >= 39.5, $"shortest {delays[0]:F1} ms");                  // never under delay − jitter
        Assert.InRange(delays[50], 45, 62);                                            // the middle near the delay
        Assert.True(delays[99] - delays[0] >= 12, $"spread {delays[99] - delays[0]:F1} ms"); // the jitter spreads them
    }

    [Fact]
    public void A_rate_limit_paces_what_passes_and_drops_what_queues_past_200_ms()
    {
        var impairment = new NetworkImpairment { RateKbps = 64 };
        using var receiver = Bound();
        using var relay = new ImpairedRelay(new IPEndPoint(IPAddress.Loopback, 0), (IPEndPoint)receiver.LocalEndPoint!, impairment);
        using var sender = Bound();
        var payload = new byte[200];
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 100; i++)
        {
            sender.SendTo(payload, relay.LocalEndPoint); // 160 kbit at once: 2.5 s at 64 kb/s
        }

        receiver.ReceiveTimeout = 1000;
        int delivered = 0;
        TimeSpan last = TimeSpan.Zero;
        try
        {
            while (true)
            {
                receiver.Receive(payload);
                last = clock.Elapsed;
                delivered++;
            }
        }
        catch (SocketException)
        {
            // Nothing more for a second: done.
        }

        RelayStatistics stats = relay.Forwarded;
        Assert.Equal(100, stats.Received);
        Assert.Equal(100 - stats.Overflowed, delivered);
        Assert.InRange(delivered, 8, 12); // 200 ms of queue at 64 kb/s holds 8 datagrams of 200 bytes, plus the one on the wire
        // Paced: each datagram after the first leaves 25 ms (200 bytes at 64 kb/s) after the one before,
        // so the last arrives no sooner than that after the burst was sent (a late wake-up only delays).
        double paced = (delivered - 1) * 200 * 8 / 64_000.0;
        Assert.True(last.TotalSeconds >= paced * 0.95, $"{delivered} datagrams, the last after {last.TotalMilliseconds:F0} ms; pacing needs {paced * 1000:F0} ms");
    }

    [Fact]
    [Trait(Needs.Trait, Needs.Processes)]
    public async Task A_call_through_intercom_relay_loses_what_the_relay_drops()
    {
        int relayPort = Ports.FreeUdp(), portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
        string dir = Directory.CreateTempSubdirectory("intercom-relay-").FullName;
        using var relay = IntercomProcess.Start(["relay", "--listen", $"127.0.0.1:{relayPort}", "--forward", $"127.0.0.1:{portB}", "--loss", "10", "--seed", "5", "--duration", "6"]);
        using var b = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--input", "tone:660",
            "--output", Path.Combine(dir, "b.wav"), "--duration", "4", "--quiet", "--stats-json", Path.Combine(dir, "b.json")]);
        using var a = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{relayPort}", "--input", "tone:440",
            "--output", Path.Combine(dir, "a.wav"), "--duration", "4", "--quiet"]);
        Assert.Equal(0, await a.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await b.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await relay.WaitAsync(TimeSpan.FromSeconds(30)));

        using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "b.json")));
        JsonElement peer = Assert.Single(stats.RootElement.GetProperty("peers").EnumerateArray());
        long received = peer.GetProperty("packetsReceived").GetInt64(), lost = peer.GetProperty("packetsLost").GetInt64();
        double lossPercent = 100.0 * lost / (received + lost);
        Assert.InRange(lossPercent, 5, 15); // 10 % of about 400 packets
        Assert.Contains("lost", relay.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Sends <see cref="Count"/> numbered datagrams through a relay; returns the numbers in arrival order.</summary>
    private static (List<int> Arrivals, RelayStatistics Stats) Pass(NetworkImpairment impairment)
    {
        using var receiver = Bound();
        receiver.ReceiveBufferSize = 1 << 20;
        using var relay = new ImpairedRelay(new IPEndPoint(IPAddress.Loopback, 0), (IPEndPoint)receiver.LocalEndPoint!, impairment);
        using var sender = Bound();
        var buffer = new byte[4];
        for (int i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer, i);
            sender.SendTo(buffer, relay.LocalEndPoint);
            if (i % 20 == 19)
            {
                Thread.Sleep(2); // paced: the relay's socket never overflows, so every fate is the model's
            }
        }

        var arrivals = new List<int>();
        receiver.ReceiveTimeout = 500;
        try
        {
            while (true)
            {
                receiver.Receive(buffer);
                arrivals.Add(BinaryPrimitives.ReadInt32LittleEndian(buffer));
            }
        }
        catch (SocketException)
        {
            // Quiet for half a second: everything (and a held-back datagram's 100 ms timeout) is through.
        }

        return (arrivals, relay.Forwarded);
    }

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }
}
