using System.Net;
using System.Security.Cryptography;
using InterCom.Core.Transport;

namespace InterCom.Core.Ice;

/// <summary>An ICE candidate pair's state (RFC 8445 section 6.1.2.6).</summary>
internal enum IcePairState
{
    Waiting,
    InProgress,
    Succeeded,
    Failed,
}

/// <summary>One pair: this end's socket to one remote candidate.</summary>
internal sealed class IcePair(IPEndPoint remote, uint remotePriority)
{
    public IPEndPoint Remote { get; } = remote;

    public uint RemotePriority { get; } = remotePriority;

    public IcePairState State { get; set; } = IcePairState.Waiting;

    /// <summary>The transaction of the check in flight, and when it was sent.</summary>
    public byte[] Transaction { get; } = new byte[12];

    public long SentAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>The check in flight carries USE-CANDIDATE.</summary>
    public bool Nominating { get; set; }

    public bool Nominated { get; set; }
}

/// <summary>
/// ICE connectivity checks (RFC 8445) over one socket, host candidates: a Binding request to each
/// remote candidate in turn (USERNAME remote:local, PRIORITY, ICE-CONTROLLING or -CONTROLLED with the
/// tie-breaker, MESSAGE-INTEGRITY under the remote password, FINGERPRINT), retransmitted until answered;
/// requests from the peer answered with XOR-MAPPED-ADDRESS and checked under the local password, their
/// source learnt as a peer-reflexive candidate. The controlling end nominates the first pair that
/// succeeded with USE-CANDIDATE; a pair is selected when a nominated check has succeeded both ways.
/// Then consent (RFC 7675): a check on the selected pair every few seconds; 30 s without an answer ends it.
/// Timers run on <see cref="Tick"/>; received STUN comes in on <see cref="OnStun"/>. Thread-safe.
/// </summary>
internal sealed class IceAgent
{
    /// <summary>How often a check goes out while pairs wait (RFC 8445's Ta).</summary>
    public static readonly TimeSpan Pacing = TimeSpan.FromMilliseconds(50);

    /// <summary>A check unanswered for this long is sent again.</summary>
    public static readonly TimeSpan Retransmit = TimeSpan.FromMilliseconds(250);

    /// <summary>How many times a check is sent before its pair fails.</summary>
    public const int MaxAttempts = 12;

    /// <summary>Consent is refreshed this often on the selected pair (RFC 7675: 5 s, randomised).</summary>
    public static readonly TimeSpan ConsentInterval = TimeSpan.FromSeconds(5);

    /// <summary>Without an answer to consent checks for this long the connection is gone (RFC 7675 section 5.1).</summary>
    public static readonly TimeSpan ConsentTimeout = TimeSpan.FromSeconds(30);

    private const uint HostPriority = (126u << 24) | (65535u << 8) | 255; // type preference 126, component 1
    private const uint PeerReflexivePriority = (110u << 24) | (65535u << 8) | 255;
    private readonly IDatagramTransport _transport;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<IcePair> _pairs = [];
    private readonly byte[] _localKey;
    private readonly ulong _tieBreaker = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private readonly byte[] _buffer = new byte[512];
    private byte[] _remoteKey = [];
    private string _remoteUfrag = "";
    private long _lastCheck;
    private long _consentSent;
    private long _consentAnswered;
    private IcePair? _selected;
    private bool _consentLost;

    /// <param name="transport">The call's socket.</param>
    /// <param name="localUfrag">This end's username fragment (at least 4 characters).</param>
    /// <param name="localPwd">This end's password (at least 22 characters).</param>
    /// <param name="controlling">This end's role: the offerer's agent controls (RFC 8445 section 6.1.1).</param>
    /// <param name="time">The clock; the system's by default.</param>
    public IceAgent(IDatagramTransport transport, string localUfrag, string localPwd, bool controlling, TimeProvider? time = null)
    {
        if (localUfrag.Length < 4 || localPwd.Length < 22)
        {
            throw new ArgumentException("ICE needs a username fragment of at least 4 characters and a password of at least 22 (RFC 8445 section 5.3).");
        }

        _transport = transport;
        _time = time ?? TimeProvider.System;
        LocalUfrag = localUfrag;
        _localKey = StunCredentials.ShortTermKey(localPwd);
        Controlling = controlling;
    }

    public string LocalUfrag { get; }

    public bool Controlling { get; }

    /// <summary>The pair media goes over, once ICE has selected one.</summary>
    public IPEndPoint? Selected
    {
        get
        {
            lock (_gate)
            {
                return _selected?.Remote;
            }
        }
    }

    /// <summary>Whether every pair failed, or consent was lost on the selected one.</summary>
    public bool Failed { get; private set; }

    /// <summary>STUN requests refused: a wrong password, an unknown username, a bad fingerprint.</summary>
    public long Refused { get; private set; }

    /// <summary>Random credentials: a 4-character username fragment and a 24-character password (ICE's characters).</summary>
    public static (string Ufrag, string Pwd) NewCredentials()
    {
        const string Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        return (RandomNumberGenerator.GetString(Chars, 8), RandomNumberGenerator.GetString(Chars, 24));
    }

    /// <summary>The peer's credentials, from its SDP.</summary>
    public void SetRemoteCredentials(string ufrag, string pwd)
    {
        lock (_gate)
        {
            (_remoteUfrag, _remoteKey) = (ufrag, StunCredentials.ShortTermKey(pwd));
        }
    }

    /// <summary>A remote candidate (from the SDP or trickled); a known address is not added twice.</summary>
    public void AddRemoteCandidate(IPEndPoint address, uint priority)
    {
        lock (_gate)
        {
            if (!_pairs.Exists(p => p.Remote.Equals(address)))
            {
                _pairs.Add(new IcePair(address, priority));
            }
        }
    }

    /// <summary>Sends what is due: the next waiting check, retransmissions, consent. Call it every few ms.</summary>
    public void Tick()
    {
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            if (_remoteKey.Length == 0 || _consentLost)
            {
                return; // nothing to check with yet; or the connection is over (an ICE restart would begin anew)
            }

            if (_selected is { } selected)
            {
                if (_time.GetElapsedTime(_consentAnswered, now) > ConsentTimeout)
                {
                    (_selected, Failed, _consentLost) = (null, true, true);
                }
                else if (_time.GetElapsedTime(_consentSent, now) >= ConsentInterval)
                {
                    _consentSent = now;
                    Check(selected, nominate: false, now);
                }

                return;
            }

            foreach (IcePair pair in _pairs)
            {
                if (pair.State == IcePairState.InProgress && _time.GetElapsedTime(pair.SentAt, now) >= Retransmit)
                {
                    if (pair.Attempts >= MaxAttempts)
                    {
                        pair.State = IcePairState.Failed;
                        continue;
                    }

                    Send(pair, now); // the same transaction again
                }
            }

            if (_time.GetElapsedTime(_lastCheck, now) >= Pacing && _pairs.Find(p => p.State == IcePairState.Waiting) is { } next)
            {
                Check(next, nominate: false, now);
            }

            if (Controlling && !_pairs.Exists(p => p.Nominating || p.Nominated) && Best(IcePairState.Succeeded) is { } best)
            {
                Check(best, nominate: true, now); // regular nomination: the check again, with USE-CANDIDATE
            }

            Failed = _pairs.Count > 0 && _pairs.TrueForAll(p => p.State == IcePairState.Failed);
        }
    }

    /// <summary>A STUN datagram from <paramref name="from"/>; whether it was ICE's (a check or its answer).</summary>
    public bool OnStun(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        if (!StunReader.TryRead(datagram, out StunReader message) || message.Method != StunMethod.Binding)
        {
            return false;
        }

        lock (_gate)
        {
            if (message.Class == StunClass.Request)
            {
                Answer(message, from);
            }
            else if (message.Class is StunClass.SuccessResponse or StunClass.ErrorResponse)
            {
                Answered(message, from);
            }

            return true;
        }
    }

    private void Answer(StunReader request, IPEndPoint from)
    {
        if (!request.VerifyFingerprint() || !request.VerifyIntegrity(_localKey)
            || !request.TryGet(StunAttribute.Username, out ReadOnlySpan<byte> user)
            || !System.Text.Encoding.UTF8.GetString(user).StartsWith(LocalUfrag + ":", StringComparison.Ordinal))
        {
            Refused++;
            return;
        }

        var writer = new StunWriter(_buffer, StunMethod.Binding, StunClass.SuccessResponse, request.TransactionId);
        writer.AddXorAddress(StunAttribute.XorMappedAddress, from);
        writer.AddIntegrity(_localKey);
        int length = writer.AddFingerprint();
        _transport.Send(_buffer.AsSpan(0, length), _transport.AddressOf(from));

        IcePair? pair = _pairs.Find(p => p.Remote.Equals(from));
        if (pair is null)
        {
            // A peer-reflexive candidate (RFC 8445 section 7.3.1.3): checked back at once.
            _ = request.TryGetUInt32(StunAttribute.Priority, out uint priority);
            pair = new IcePair(from, priority == 0 ? PeerReflexivePriority : priority);
            _pairs.Add(pair);
        }

        if (!Controlling && request.TryGet(StunAttribute.UseCandidate, out _))
        {
            pair.Nominated = true;
            if (pair.State == IcePairState.Succeeded)
            {
                Select(pair);
            }
        }

        if (pair.State is IcePairState.Waiting or IcePairState.Failed)
        {
            Check(pair, nominate: false, _time.GetTimestamp()); // a triggered check
        }
    }

    private void Answered(StunReader response, IPEndPoint from)
    {
        ReadOnlySpan<byte> transaction = response.TransactionId;
        IcePair? pair = _selected is { } s && transaction.SequenceEqual(s.Transaction) ? s : null;
        foreach (IcePair candidate in _pairs)
        {
            if (pair is null && candidate.State == IcePairState.InProgress && transaction.SequenceEqual(candidate.Transaction))
            {
                pair = candidate;
            }
        }

        if (pair is null || !response.VerifyFingerprint() || !response.VerifyIntegrity(_remoteKey) || !from.Equals(pair.Remote))
        {
            Refused++;
            return;
        }

        if (pair == _selected)
        {
            _consentAnswered = _time.GetTimestamp();
            return;
        }

        if (response.Class == StunClass.ErrorResponse)
        {
            pair.State = IcePairState.Failed;
            return;
        }

        pair.State = IcePairState.Succeeded;
        if (pair.Nominating || (!Controlling && pair.Nominated))
        {
            pair.Nominated = true;
            Select(pair);
        }
    }

    private void Select(IcePair pair)
    {
        _selected ??= pair;
        long now = _time.GetTimestamp();
        (_consentSent, _consentAnswered) = (now, now);
    }

    private IcePair? Best(IcePairState state)
        => _pairs.Where(p => p.State == state).OrderByDescending(p => p.RemotePriority).FirstOrDefault();

    private void Check(IcePair pair, bool nominate, long now)
    {
        RandomNumberGenerator.Fill(pair.Transaction);
        pair.State = pair.State == IcePairState.Succeeded && !nominate ? IcePairState.Succeeded : IcePairState.InProgress;
        pair.Nominating |= nominate;
        pair.Attempts = 0;
        _lastCheck = now;
        Send(pair, now);
    }

    private void Send(IcePair pair, long now)
    {
        var writer = new StunWriter(_buffer, StunMethod.Binding, StunClass.Request, pair.Transaction);
        writer.AddString(StunAttribute.Username, $"{_remoteUfrag}:{LocalUfrag}");
        writer.AddUInt32(StunAttribute.Priority, PeerReflexivePriority);
        writer.AddUInt64(Controlling ? StunAttribute.IceControlling : StunAttribute.IceControlled, _tieBreaker);
        if (pair.Nominating)
        {
            writer.AddFlag(StunAttribute.UseCandidate);
        }

        writer.AddIntegrity(_remoteKey);
        int length = writer.AddFingerprint();
        pair.Attempts++;
        pair.SentAt = now;
        _transport.Send(_buffer.AsSpan(0, length), _transport.AddressOf(pair.Remote));
    }

    /// <summary>The priority of a host candidate of this end (RFC 8445 section 5.1.2.1), for the SDP.</summary>
    public static uint HostCandidatePriority => HostPriority;
}
