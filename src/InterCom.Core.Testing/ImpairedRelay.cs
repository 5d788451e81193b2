using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace InterCom.Core.Testing;

/// <summary>
/// A real UDP relay that impairs what passes, both ways, reproducibly: loss (alone or in bursts),
/// reordering, duplication, delay and jitter, a rate limit with a bounded queue
/// (<see cref="NetworkImpairment"/>). One end sends to <see cref="LocalEndPoint"/> and the relay
/// forwards to the other end from a socket of its own (<see cref="ForwardingPort"/>); what the other
/// end sends back, to that port or to <see cref="LocalEndPoint"/> itself (both ends may simply be
/// pointed at the relay's one port), goes to whoever last sent to <see cref="LocalEndPoint"/> from
/// elsewhere. For trying a call on a bad network without root (<c>intercom relay</c>), and for tests.
/// </summary>
public sealed class ImpairedRelay : IDisposable
{
    private const int MaxDatagram = 65_536;
    private static readonly long s_maxQueueTicks = Stopwatch.Frequency / 5; // 200 ms of link backlog
    private readonly Socket _front;
    private readonly Socket _back;
    private readonly IPEndPoint _forward;
    private readonly IPAddress _forwardAddress;   // as datagrams from it are compared
    private readonly Direction _towardsForward;
    private readonly Direction _towardsFront;
    private readonly Direction[] _directions;
    private readonly PriorityQueue<Pending, long> _queue = new();
    private readonly object _gate = new(); // Monitor: the scheduler waits on it
    private readonly Thread[] _threads;
    private EndPoint? _frontPeer;
    private NetworkImpairment _impairment;
    private NetworkImpairment? _returnImpairment;
    private volatile bool _stopped;

    /// <summary>Binds the relay and starts forwarding.</summary>
    /// <param name="listen">Where the first end sends (port 0: any free port).</param>
    /// <param name="forward">The other end.</param>
    /// <param name="impairment">What to do to the traffic, each way.</param>
    /// <exception cref="ArgumentException">An impairment setting is invalid.</exception>
    /// <exception cref="InvalidOperationException">The listen address cannot be bound.</exception>
    public ImpairedRelay(IPEndPoint listen, IPEndPoint forward, NetworkImpairment impairment)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(impairment);
        impairment.Validate();
        _impairment = impairment;
        _forward = forward;
        _forwardAddress = Unmapped(forward.Address);
        _front = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _back = new Socket(forward.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _front.ReceiveBufferSize = _back.ReceiveBufferSize = 1 << 20; // bursts wait here, not in the kernel's drop counter
            foreach (Socket socket in new[] { _front, _back }.Where(s => s.AddressFamily == AddressFamily.InterNetworkV6))
            {
                socket.DualMode = true; // [::] takes IPv4 too, as a call's socket does ('--listen PORT' with '--peer 127.0.0.1:PORT')
            }

            _front.Bind(listen);
            _back.Bind(new IPEndPoint(forward.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        }
        catch (SocketException e)
        {
            _front.Dispose();
            _back.Dispose();
            throw new InvalidOperationException($"Cannot listen on UDP {listen}: {e.Message}", e);
        }

        _towardsForward = new Direction(this, impairment.Seed, returning: false);
        _towardsFront = new Direction(this, unchecked(impairment.Seed * 31 + 7), returning: true);
        _directions = [_towardsForward, _towardsFront];
        _threads =
        [
            new Thread(() => Receive(_front, _towardsForward)) { IsBackground = true, Name = "InterCom relay in" },
            new Thread(() => Receive(_back, _towardsFront)) { IsBackground = true, Name = "InterCom relay back" },
            new Thread(Schedule) { IsBackground = true, Name = "InterCom relay out" },
        ];
        foreach (Thread thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>
    /// The impairment applied, both ways. Set it to change the network while the relay runs (a jitter
    /// spike, a loss episode): datagrams from then on get the new treatment; the random sequence goes on
    /// (its seed is the first impairment's).
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public NetworkImpairment Impairment
    {
        get => Volatile.Read(ref _impairment);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            lock (_gate)
            {
                _impairment = value;
            }
        }
    }

    /// <summary>
    /// What is done to the traffic back towards the first end instead of <see cref="Impairment"/>;
    /// <see langword="null"/> (the default): the same both ways. A one-way loss, say: a clean return.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public NetworkImpairment? ReturnImpairment
    {
        get => Volatile.Read(ref _returnImpairment);
        set
        {
            value?.Validate();
            lock (_gate)
            {
                _returnImpairment = value;
            }
        }
    }

    /// <summary>Where the first end sends.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_front.LocalEndPoint!;

    /// <summary>The port the relay forwards from: the other end sends here to reach the first end through the relay.</summary>
    public int ForwardingPort => ((IPEndPoint)_back.LocalEndPoint!).Port;

    /// <summary>What happened to the traffic towards the forward address.</summary>
    public RelayStatistics Forwarded
    {
        get
        {
            lock (_gate)
            {
                return _towardsForward.Statistics();
            }
        }
    }

    /// <summary>What happened to the traffic coming back.</summary>
    public RelayStatistics Returned
    {
        get
        {
            lock (_gate)
            {
                return _towardsFront.Statistics();
            }
        }
    }

    /// <summary>Stops forwarding (what is still queued is dropped) and closes the sockets.</summary>
    public void Dispose()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        _front.Dispose();
        _back.Dispose();
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }

        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        while (_queue.TryDequeue(out Pending pending, out _))
        {
            ArrayPool<byte>.Shared.Return(pending.Buffer);
        }
    }

    private void Receive(Socket socket, Direction direction)
    {
        byte[] buffer = new byte[MaxDatagram];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stopped)
        {
            EndPoint from = any;
            int length;
            try
            {
                length = socket.ReceiveFrom(buffer, ref from);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_stopped)
                {
                    return;
                }

                continue; // e.g. ICMP port unreachable from an end that is not up yet
            }

            if (socket == _front && !IsForwardAddress(from))
            {
                Volatile.Write(ref _frontPeer, from);
                Admit(buffer.AsSpan(0, length), direction, _back, _forward);
            }
            else if (Volatile.Read(ref _frontPeer) is { } peer)
            {
                // The other end, through either port: back the same way, with the return direction's impairment.
                Admit(buffer.AsSpan(0, length), _towardsFront, _front, peer);
            }
        }
    }

    /// <summary>Whether <paramref name="from"/> is the other end (an IPv4 address seen on a dual-stack socket as IPv4-mapped IPv6 counts as itself).</summary>
    private bool IsForwardAddress(EndPoint from)
        => from is IPEndPoint ip && ip.Port == _forward.Port && Unmapped(ip.Address).Equals(_forwardAddress);

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Decides the datagram's fate and queues what is to be sent.</summary>
    private void Admit(ReadOnlySpan<byte> datagram, Direction direction, Socket socket, EndPoint to)
    {
        long now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            Decision decision = direction.Decide(datagram.Length, now);
            if (decision.Lost)
            {
                return;
            }

            var pending = new Pending(Copy(datagram), datagram.Length, socket, to);
            if (decision.HoldBack)
            {
                direction.Held = (pending, decision.Due);
                return;
            }

            _queue.Enqueue(pending, decision.Due);
            if (decision.Duplicate)
            {
                _queue.Enqueue(pending with { Buffer = Copy(datagram) }, decision.Due);
            }

            if (direction.Held is { } held)
            {
                _queue.Enqueue(held.Packet, Math.Max(held.Due, decision.Due) + 1); // after the one that overtook it
                direction.Held = null;
                direction.Reordered++;
            }

            Monitor.PulseAll(_gate);
        }
    }

    private static byte[] Copy(ReadOnlySpan<byte> datagram)
    {
        byte[] copy = ArrayPool<byte>.Shared.Rent(Math.Max(1, datagram.Length));
        datagram.CopyTo(copy);
        return copy;
    }

    /// <summary>Sends each queued datagram when it falls due; a held-back datagram whose follower never came goes after 100 ms.</summary>
    private void Schedule()
    {
        long heldLimit = Stopwatch.Frequency / 10;
        while (true)
        {
            Pending next;
            lock (_gate)
            {
                while (true)
                {
                    if (_stopped)
                    {
                        return;
                    }

                    long now = Stopwatch.GetTimestamp();
                    foreach (Direction direction in _directions)
                    {
                        if (direction.Held is { } held && now - held.Due > heldLimit)
                        {
                            _queue.Enqueue(held.Packet, now);
                            direction.Held = null;
                        }
                    }

                    if (_queue.TryPeek(out next, out long due) && due <= now)
                    {
                        _queue.Dequeue();
                        break;
                    }

                    long wait = _queue.Count > 0 ? due - now : Stopwatch.Frequency / 100;
                    Monitor.Wait(_gate, TimeSpan.FromTicks(Math.Clamp(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency, 1, TimeSpan.TicksPerMillisecond * 10)));
                }
            }

            try
            {
                next.Socket.SendTo(next.Buffer.AsSpan(0, next.Length), SocketFlags.None, next.To);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // An end that went away, or the relay closing: the datagram is lost, as on a network.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(next.Buffer);
            }
        }
    }

    private readonly record struct Pending(byte[] Buffer, int Length, Socket Socket, EndPoint To);

    private readonly record struct Decision(bool Lost, bool Duplicate, bool HoldBack, long Due);

    /// <summary>One direction's generator and state; used under the relay's lock.</summary>
    private sealed class Direction(ImpairedRelay relay, int seed, bool returning)
    {
        private readonly Random _random = new(seed);
        private long _first = -1;
        private int _burstLeft;
        private long _linkFree;
        private long _received;
        private long _lost;
        private long _duplicated;
        private long _overflowed;

        /// <summary>Held-back datagrams sent after the one that followed them (one whose follower never came goes alone, uncounted).</summary>
        public long Reordered { get; set; }

        public (Pending Packet, long Due)? Held { get; set; }

        public Decision Decide(int length, long now)
        {
            // The same draws for every datagram, whatever the outcome: a seed gives one sequence of fates.
            double lossDraw = _random.NextDouble() * 100;
            double duplicateDraw = _random.NextDouble() * 100;
            double reorderDraw = _random.NextDouble() * 100;
            double jitterDraw = (_random.NextDouble() * 2) - 1;
            NetworkImpairment impairment = returning ? Volatile.Read(ref relay._returnImpairment) ?? Volatile.Read(ref relay._impairment) : Volatile.Read(ref relay._impairment);
            _received++;
            _first = _first < 0 ? now : _first;
            if (_burstLeft > 0 || lossDraw < impairment.LossPercent / impairment.BurstLength)
            {
                _burstLeft = _burstLeft > 0 ? _burstLeft - 1 : impairment.BurstLength - 1;
                _lost++;
                return new Decision(true, false, false, 0);
            }

            long due = now + (long)((impairment.Delay.TotalSeconds + (jitterDraw * impairment.Jitter.TotalSeconds)) * Stopwatch.Frequency)
                + (long)((now - _first) * impairment.DriftPpm / 1e6);
            due = Math.Max(now, due);
            if (impairment.RateKbps > 0)
            {
                long departure = Math.Max(due, _linkFree);
                if (departure - due > s_maxQueueTicks)
                {
                    _overflowed++;
                    return new Decision(true, false, false, 0);
                }

                _linkFree = departure + (long)(length * 8.0 / (impairment.RateKbps * 1000.0) * Stopwatch.Frequency);
                due = departure;
            }

            bool duplicate = duplicateDraw < impairment.DuplicatePercent;
            bool holdBack = Held is null && reorderDraw < impairment.ReorderPercent;
            duplicate &= !holdBack;
            _duplicated += duplicate ? 1 : 0;
            return new Decision(false, duplicate, holdBack, due);
        }

        public RelayStatistics Statistics() => new(_received, _lost, _overflowed, _duplicated, Reordered);
    }
}

/// <summary>What an <see cref="ImpairedRelay"/> did to one direction's datagrams.</summary>
/// <param name="Received">Datagrams that reached the relay.</param>
/// <param name="Lost">Dropped by the loss model.</param>
/// <param name="Overflowed">Dropped because the rate-limited queue held over 200 ms.</param>
/// <param name="Duplicated">Sent twice.</param>
/// <param name="Reordered">Held back and sent after the datagram that followed.</param>
public sealed record RelayStatistics(long Received, long Lost, long Overflowed, long Duplicated, long Reordered);
