using System.Net;
using InterCom.Core.Transport;

namespace InterCom.Core.Sessions;

/// <summary>
/// The call's peers (where every packet goes) and the addresses of peers the application removed (whose
/// packets are ignored until they are added again). Changed under a lock, read lock-free: each change
/// publishes new arrays, and the per-datagram checks are plain loops that allocate nothing.
/// </summary>
internal sealed class PeerSet
{
    private readonly Lock _gate = new();
    private (IPEndPoint EndPoint, SocketAddress Address)[] _peers = [];
    private SocketAddress[] _removed = [];

    public IReadOnlyList<IPEndPoint> EndPoints => Array.ConvertAll(Volatile.Read(ref _peers), p => p.EndPoint);

    /// <summary>The peers' addresses, to send to.</summary>
    public (IPEndPoint EndPoint, SocketAddress Address)[] Current => Volatile.Read(ref _peers);

    /// <summary>Adds a peer (no change if it is one) and hears its address again if it was removed.</summary>
    public void Add(IPEndPoint peer, SocketAddress address)
    {
        lock (_gate)
        {
            Volatile.Write(ref _removed, [.. _removed.Where(a => !a.Equals(address))]);
            if (!_peers.Any(p => p.EndPoint.Equals(peer)))
            {
                Volatile.Write(ref _peers, [.. _peers, (peer, address)]);
            }
        }
    }

    /// <summary>Removes a peer and ignores its address from now on; whether it was a peer.</summary>
    public bool Remove(IPEndPoint peer, SocketAddress address)
    {
        lock (_gate)
        {
            Volatile.Write(ref _removed, [.. _removed.Where(a => !a.Equals(address)), address]);
            var remaining = _peers.Where(p => !p.EndPoint.Equals(peer)).ToArray();
            bool removed = remaining.Length != _peers.Length;
            Volatile.Write(ref _peers, remaining);
            return removed;
        }
    }

    /// <summary>Whether <paramref name="from"/> is a removed peer's address.</summary>
    public bool IsRemoved(SocketAddress from)
    {
        foreach (SocketAddress removed in Volatile.Read(ref _removed))
        {
            if (removed.Equals(from))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="from"/> is one of the peers' hosts (the port may differ: a peer may send from another process).</summary>
    public bool IsPeerHost(SocketAddress from)
    {
        foreach ((IPEndPoint _, SocketAddress address) in Volatile.Read(ref _peers))
        {
            if (UdpTransport.SameHost(address, from))
            {
                return true;
            }
        }

        return false;
    }
}
