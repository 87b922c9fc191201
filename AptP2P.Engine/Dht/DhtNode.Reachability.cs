using System.Net;
using AptP2P.Engine.Dht.Krpc;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Dht;

/// <summary>Whether other nodes can reach this node's socket, as far as it can tell.</summary>
public enum ReachabilityState
{
    /// <summary>Not joined long enough to say.</summary>
    Unknown,

    /// <summary>A node we had not contacted (or not for longer than a NAT keeps a pinhole open) reached us.</summary>
    Reachable,

    /// <summary>Joined for the grace period and nobody reached us unasked: a NAT or a firewall drops what others send.</summary>
    Unreachable,
}

/// <summary>What the node knows of its reachability, and how it knows it.</summary>
public sealed record ReachabilityStatus(ReachabilityState State, string How, DateTimeOffset? Since, bool ReadOnly, long UnsolicitedQueries);

/// <summary>
/// Reachability (issue 12): a query from an endpoint this node has not sent anything to within
/// <see cref="DhtOptions.PinholeSeconds"/> cannot have come through a NAT's or a stateful firewall's pinhole, so it proves
/// that others reach us; an inbound peer connection (TCP) proves it too. Joined for <see cref="DhtOptions.ReachabilityGraceSeconds"/>
/// with no such proof within <see cref="DhtOptions.ReachabilityWindowMinutes"/> means unreachable: the node then turns
/// read-only by itself (BEP 43, <see cref="DhtOptions.AutoReadOnly"/>), is not announced over this family, and keeps answering
/// what does reach it; every <see cref="DhtOptions.ReachabilityProbeSeconds"/> it pings a few nodes without <c>ro</c>, so that
/// they may put it in their tables and reach it later, which is how it finds out it has become reachable again.
/// </summary>
public sealed partial class DhtNode
{
    private const int MaxRemembered = 8192;
    private readonly Dictionary<IPEndPoint, DateTimeOffset> _lastSentTo = [];
    private DateTimeOffset? _lastUnsolicited;
    private string? _unsolicitedHow;
    private DateTimeOffset? _lastUnsolicitedFromLan;
    private string? _unsolicitedFromLanHow;
    private long _unsolicitedQueries;
    private DateTimeOffset? _joinedAt;
    private DateTimeOffset _lastProbe;
    private ReachabilityState _reachability;

    /// <summary>The agreed external address is one of this machine's (no NAT between us and the voters); read once per change.</summary>
    private bool _externalIsOwn;
    private string? _reachedHow;
    private DateTimeOffset? _reachabilitySince;

    /// <summary>Read-only because this node found itself unreachable (never when BEP 43 read-only is configured).</summary>
    private bool _autoReadOnly;

    /// <summary>BEP 43 in effect: configured, or chosen by the node while it is unreachable.</summary>
    private bool IsReadOnly => Options.ReadOnly || _autoReadOnly;

    public ReachabilityStatus Reachability
    {
        get
        {
            lock (_gate)
                return ReachabilityNow();
        }
    }

    /// <summary>What the gateway says it forwards for this node, if anything (port mapping), for <see cref="ReachabilityStatus.How"/>.</summary>
    public Func<string?>? MappingNote { get; set; }

    /// <summary>An inbound peer connection (TCP) from <paramref name="peer"/>: others reach this machine on this family.</summary>
    public void RecordInboundConnection(IPEndPoint peer)
    {
        lock (_gate)
            Reached(peer, $"a peer connected from {peer}");
    }

    private void RecordSent(IPEndPoint destination)
    {
        if (_lastSentTo.Count >= MaxRemembered && !_lastSentTo.ContainsKey(destination))
            ForgetOldSends();
        _lastSentTo[destination] = Time.GetUtcNow();
    }

    private void RecordQueryFrom(IPEndPoint source)
    {
        var now = Time.GetUtcNow();
        if (_lastSentTo.TryGetValue(source, out var sent) && now - sent < TimeSpan.FromSeconds(Options.PinholeSeconds))
            return;
        _unsolicitedQueries++;
        Reached(source, $"a query from {source}, which we had not contacted");
    }

    /// <summary>
    /// A LAN node reaching us proves the LAN reaches us, not the internet (a NAT sits between): it counts only while every
    /// node of the table is on the LAN (a LAN-only swarm).
    /// </summary>
    private void Reached(IPEndPoint source, string how)
    {
        if (Discovery.AddressScope.IsLan(source.Address))
            (_lastUnsolicitedFromLan, _unsolicitedFromLanHow) = (Time.GetUtcNow(), how);
        else
            (_lastUnsolicited, _unsolicitedHow) = (Time.GetUtcNow(), how);
        EvaluateReachability();
    }

    private void ForgetOldSends()
    {
        var horizon = Time.GetUtcNow() - TimeSpan.FromSeconds(Options.PinholeSeconds);
        foreach (var (endPoint, at) in _lastSentTo.ToList())
        {
            if (at < horizon)
                _lastSentTo.Remove(endPoint);
        }
        // All recent: the oldest half goes (a node talking to this many endpoints at once is a busy, reachable one).
        if (_lastSentTo.Count >= MaxRemembered)
        {
            foreach (var endPoint in _lastSentTo.OrderBy(e => e.Value).Take(MaxRemembered / 2).Select(e => e.Key).ToList())
                _lastSentTo.Remove(endPoint);
        }
    }

    /// <summary>Maintenance: the state from what was seen, read-only on or off, and a probe while read-only.</summary>
    private void EvaluateReachability()
    {
        var now = Time.GetUtcNow();
        if (IsBootstrapped)
            _joinedAt ??= now;
        var window = TimeSpan.FromMinutes(Options.ReachabilityWindowMinutes);
        var lanOnly = _table.Nodes.All(n => Discovery.AddressScope.IsLan(n.EndPoint.Address));
        _reachedHow = _lastUnsolicited is { } outside && now - outside < window ? _unsolicitedHow
            : lanOnly && _lastUnsolicitedFromLan is { } lan && now - lan < window ? _unsolicitedFromLanHow
            : null;
        var state = _reachedHow is not null ? ReachabilityState.Reachable
            : _joinedAt is { } joined && now - joined >= TimeSpan.FromSeconds(Options.ReachabilityGraceSeconds) ? ReachabilityState.Unreachable
            : ReachabilityState.Unknown;
        if (state != _reachability)
        {
            _reachability = state;
            _reachabilitySince = now;
            LogReachability(Family, state, ReachabilityNow().How);
        }
        var readOnly = state == ReachabilityState.Unreachable && Options.AutoReadOnly;
        if (readOnly != _autoReadOnly)
        {
            _autoReadOnly = readOnly;
            LogAutoReadOnly(Family, readOnly);
        }
        if (_autoReadOnly && now - _lastProbe >= TimeSpan.FromSeconds(Options.ReachabilityProbeSeconds))
        {
            _lastProbe = now;
            foreach (var node in _table.Closest(Id, 3))
                SendQuery(new KrpcQuery([], KrpcMethod.Ping, Id), node.EndPoint, expectedId: null, observer: null, probe: true);
        }
    }

    private ReachabilityStatus ReachabilityNow()
    {
        var how = _reachability switch
        {
            ReachabilityState.Reachable => _reachedHow ?? "reached",
            ReachabilityState.Unreachable => _lastUnsolicited is null && _lastUnsolicitedFromLan is null
                ? $"no node has reached us unasked since we joined, {Format(Time.GetUtcNow() - _joinedAt!.Value)} ago"
                : $"no node has reached us unasked for {Options.ReachabilityWindowMinutes} min",
            _ => IsBootstrapped ? "joined recently: waiting for a node to reach us unasked" : "not joined yet",
        };
        if (_externalIsOwn)
            how += "; no NAT: our external address is this machine's own";
        if (Family == System.Net.Sockets.AddressFamily.InterNetwork && MappingNote?.Invoke() is { } mapped)
            how += "; " + mapped;
        return new ReachabilityStatus(_reachability, how, _reachabilitySince, IsReadOnly, _unsolicitedQueries);
    }

    private static string Format(TimeSpan span) =>
        span.TotalMinutes >= 2 ? $"{(int)span.TotalMinutes} min" : $"{(int)span.TotalSeconds} s";

    private static bool IsLocalAddress(IPAddress address)
    {
        try
        {
            return System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses).Any(u => u.Address.Equals(address));
        }
        catch (System.Net.NetworkInformation.NetworkInformationException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DHT over {Family}: reachable from outside is now {State} ({How})")]
    private partial void LogReachability(System.Net.Sockets.AddressFamily family, ReachabilityState state, string how);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DHT over {Family}: read-only (BEP 43) by itself is now {ReadOnly}: others cannot reach this node's UDP port, so it asks without being put in their tables and is not announced over this family")]
    private partial void LogAutoReadOnly(System.Net.Sockets.AddressFamily family, bool readOnly);
}
