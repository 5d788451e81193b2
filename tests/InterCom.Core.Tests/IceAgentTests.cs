using System.Net;
using InterCom.Core.Ice;
using InterCom.Core.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace InterCom.Core.Tests;

/// <summary>Two ICE agents on real UDP sockets on loopback: connectivity checks, nomination, consent, and checks under a wrong password refused.</summary>
public sealed class IceAgentTests
{
    [Fact]
    public async Task Two_agents_check_each_others_host_candidate_and_select_the_same_pair()
    {
        using var a = new End(controlling: true);
        using var b = new End(controlling: false);
        await ConnectAsync(a, b, bothCandidates: true);

        Assert.Equal(b.Transport.LocalEndPoint, a.Agent.Selected);
        Assert.Equal(a.Transport.LocalEndPoint, b.Agent.Selected);
        Assert.Equal(0, a.Agent.Refused + b.Agent.Refused);
        Assert.False(a.Agent.Failed || b.Agent.Failed);
    }

    [Fact]
    public async Task A_peer_that_knows_only_the_candidate_is_learnt_as_peer_reflexive_and_still_selected()
    {
        using var a = new End(controlling: true);
        using var b = new End(controlling: false);
        await ConnectAsync(a, b, bothCandidates: false); // B never hears of A's candidate (no trickle)

        Assert.Equal(a.Transport.LocalEndPoint, b.Agent.Selected);
        Assert.Equal(b.Transport.LocalEndPoint, a.Agent.Selected);
    }

    [Fact]
    public async Task Checks_under_a_wrong_password_are_refused_and_nothing_is_selected()
    {
        using var a = new End(controlling: true);
        using var b = new End(controlling: false);
        a.Agent.SetRemoteCredentials(b.Ufrag, "not-the-password-at-all-x");
        b.Agent.SetRemoteCredentials(a.Ufrag, a.Pwd);
        a.Agent.AddRemoteCandidate(b.Transport.LocalEndPoint, IceAgent.HostCandidatePriority);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Null(a.Agent.Selected);
        Assert.Null(b.Agent.Selected);
        Assert.True(b.Agent.Refused >= 1, $"B refused {b.Agent.Refused} checks"); // each retransmission of A's check (every 250 ms)
    }

    [Fact]
    public async Task Consent_answered_keeps_the_pair_and_a_peer_gone_for_30_s_ends_it()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var a = new End(controlling: true, time);
        var b = new End(controlling: false, time);
        a.Agent.SetRemoteCredentials(b.Ufrag, b.Pwd);
        b.Agent.SetRemoteCredentials(a.Ufrag, a.Pwd);
        a.Agent.AddRemoteCandidate(b.Transport.LocalEndPoint, IceAgent.HostCandidatePriority);
        for (int i = 0; i < 200 && (a.Agent.Selected is null || b.Agent.Selected is null); i++)
        {
            await Step(time, TimeSpan.FromMilliseconds(10), a, b);
        }

        Assert.NotNull(a.Agent.Selected);
        for (int i = 0; i < 40; i++)
        {
            await Step(time, TimeSpan.FromSeconds(1), a, b); // 40 s: consent checks every 5 s, answered
        }

        Assert.NotNull(a.Agent.Selected);
        Assert.False(a.Agent.Failed);

        b.Dispose(); // the peer vanishes
        for (int i = 0; i < 29; i++)
        {
            await Step(time, TimeSpan.FromSeconds(1), a);
        }

        Assert.NotNull(a.Agent.Selected); // 29 s: not yet
        for (int i = 0; i < 7; i++)
        {
            await Step(time, TimeSpan.FromSeconds(1), a);
        }

        Assert.Null(a.Agent.Selected);
        Assert.True(a.Agent.Failed);
    }

    /// <summary>Gives each end the other's credentials and A B's candidate (and B A's), then waits up to 5 s for both to select a pair.</summary>
    private static async Task ConnectAsync(End a, End b, bool bothCandidates)
    {
        a.Agent.SetRemoteCredentials(b.Ufrag, b.Pwd);
        b.Agent.SetRemoteCredentials(a.Ufrag, a.Pwd);
        a.Agent.AddRemoteCandidate(b.Transport.LocalEndPoint, IceAgent.HostCandidatePriority);
        if (bothCandidates)
        {
            b.Agent.AddRemoteCandidate(a.Transport.LocalEndPoint, IceAgent.HostCandidatePriority);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((a.Agent.Selected is null || b.Agent.Selected is null) && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10);
        }
    }

    /// <summary>Moves the fake clock on, ticks the agents, and gives the loopback time to deliver.</summary>
    private static async Task Step(Microsoft.Extensions.Time.Testing.FakeTimeProvider time, TimeSpan by, params End[] ends)
    {
        time.Advance(by);
        foreach (End end in ends)
        {
            end.Agent.Tick();
        }

        await Task.Delay(3);
    }

    [Fact]
    public void Credentials_are_long_enough_and_short_ones_are_refused()
    {
        (string ufrag, string pwd) = IceAgent.NewCredentials();
        Assert.True(ufrag.Length >= 4 && pwd.Length >= 22);
        Assert.NotEqual(IceAgent.NewCredentials(), (ufrag, pwd));
        using var transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0), NullLogger.Instance);
        Assert.Throws<ArgumentException>(() => new IceAgent(transport, "abc", pwd, controlling: true));
    }

    /// <summary>A socket, its agent, and a thread that ticks it.</summary>
    private sealed class End : IDatagramReceiver, IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _ticker;

        /// <param name="time">A test's clock: then the test ticks the agent; otherwise a thread does, every 5 ms.</param>
        public End(bool controlling, TimeProvider? time = null)
        {
            (Ufrag, Pwd) = IceAgent.NewCredentials();
            Transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0), NullLogger.Instance);
            Agent = new IceAgent(Transport, Ufrag, Pwd, controlling, time);
            Transport.StartReceiving(this, "ice test");
            _ticker = new Thread(() =>
            {
                while (time is null && !_stop.IsCancellationRequested)
                {
                    Agent.Tick();
                    Thread.Sleep(5);
                }
            }) { IsBackground = true };
            _ticker.Start();
        }

        public string Ufrag { get; }

        public string Pwd { get; }

        public UdpTransport Transport { get; }

        public IceAgent Agent { get; }

        public void OnDatagram(ReadOnlySpan<byte> datagram, System.Net.SocketAddress from)
        {
            if (StunReader.IsStun(datagram))
            {
                _ = Agent.OnStun(datagram, UdpTransport.EndPointOf(from));
            }
        }

        public void Dispose()
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _stop.Cancel();
            _ticker.Join();
            Transport.Dispose();
        }
    }
}
