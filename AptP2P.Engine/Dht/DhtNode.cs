using System.Buffers;
using System.Net;
using System.Net.Sockets;
using AptP2P.Engine.Dht.Krpc;
using AptP2P.Engine.Dht.Lookups;
using AptP2P.Engine.Dht.Queries;
using AptP2P.Engine.Dht.Routing;
using AptP2P.Engine.Dht.Storage;
using AptP2P.Engine.Dht.Transport;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Dht;

/// <summary>
/// One Mainline DHT node (BEP 5, 42, 43, 44) over an <see cref="IDhtTransport"/>. All state is touched under one lock and
/// nothing inside awaits: a datagram, a timer or an API call runs to completion, so a simulated network on a fake clock
/// runs every node deterministically, and no lock is ever held across I/O other than a non-blocking UDP send.
/// </summary>
public sealed partial class DhtNode : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly IDhtTransport _transport;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly QueryTable _queries;
    private readonly RttEstimator _rtt;
    private readonly TokenIssuer _tokens;
    private readonly SourceRateLimiter _limiter;
    private readonly ArrayBufferWriter<byte> _sendBuffer = new(1500);
    private readonly HashSet<Lookup> _lookups = [];
    private readonly HashSet<IPEndPoint> _pinging = [];
    private readonly ExternalAddressVote _externalVote;
    private readonly DhtCounters _counters = new();
    private RoutingTable _table;
    private ITimer? _maintenance;
    private int _disposed;

    public DhtNode(IDhtTransport transport, DhtOptions options, TimeProvider time, ILogger logger, NodeId? id = null, Random? random = null)
    {
        _transport = transport;
        Options = options;
        Time = time;
        _logger = logger;
        _random = random ?? new Random();
        _rtt = new RttEstimator(TimeSpan.FromMilliseconds(options.MinSlowQueryMs), TimeSpan.FromMilliseconds(options.QueryTimeoutMs));
        _queries = new QueryTable(_gate, time, TimeSpan.FromMilliseconds(options.QueryTimeoutMs), _random, OnQuerySlow, OnQueryExpired);
        _tokens = new TokenIssuer(time, TimeSpan.FromMinutes(options.TokenRotationMinutes));
        _limiter = new SourceRateLimiter(time, options.MaxQueriesPerSecondPerAddress, options.QueryBurstPerAddress);
        Peers = new PeerStore(time, options.MaxStoredKeys, options.MaxPeersPerKey, TimeSpan.FromMinutes(options.PeerLifetimeMinutes));
        Items = new ItemStore(time, options.MaxStoredItems, TimeSpan.FromMinutes(options.ItemLifetimeMinutes));
        _externalVote = new ExternalAddressVote(options.ExternalAddressVotes);
        _table = new RoutingTable(id ?? NodeId.Random(), new RoutingTableSettings(options.BucketSize, ExtendedBuckets: options.ExtendedBuckets), time);
    }

    public DhtOptions Options { get; private set; }
    public TimeProvider Time { get; }
    public NodeId Id => _table.Self;
    public IPEndPoint LocalEndPoint => _transport.LocalEndPoint;
    public IPAddress? ExternalAddress { get; private set; }

    /// <summary>
    /// The address family of this node's socket. A node speaks to nodes of its family only (BEP 32: one DHT per family,
    /// each with its own routing table); nodes of the other family it hears of go to <see cref="Sibling"/>.
    /// </summary>
    public AddressFamily Family => _transport.LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 && !_transport.LocalEndPoint.Address.IsIPv4MappedToIPv6
        ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <summary>The node of the other family on this machine, if any (set before <see cref="Start"/>).</summary>
    public DhtNode? Sibling { get; set; }

    /// <summary>The table's good contacts as of the last maintenance tick, readable without the lock (BEP 32 answers of the sibling).</summary>
    private NodeContact[] _published = [];

    /// <summary>True when <paramref name="endPoint"/> is of this node's family.</summary>
    public bool Speaks(IPEndPoint endPoint) => CompactEndPoint.FamilyOf(endPoint) == Family;

    /// <summary>Raised (under the lock) when BEP 42 gave us a new id.</summary>
    public event Action<NodeId>? IdChanged;

    /// <summary>
    /// Raised (under the lock) when a lookup ends, run to its end or cancelled, with what it cost: for the duration
    /// histogram of <c>/metrics</c>, which the counters of <see cref="GetStatistics"/> cannot give.
    /// </summary>
    public event Action<LookupKind, LookupResult>? LookupEnded;

    internal PeerStore Peers { get; }
    internal ItemStore Items { get; }
    internal RoutingTable Table => _table;

    /// <summary>Runs <paramref name="action"/> under the node's lock, for the persistence snapshots of <see cref="DhtService"/>.</summary>
    internal T Read<T>(Func<DhtNode, T> action)
    {
        lock (_gate)
            return action(this);
    }

    public void Start()
    {
        lock (_gate)
            PublishContacts();
        _transport.Start(OnDatagram);
        _maintenance = Time.CreateTimer(_ => RunMaintenance(), null, MaintenanceInterval, MaintenanceInterval);
    }

    /// <summary>
    /// Takes changed options (the settings form): α, read-only mode, refresh and back-off intervals apply at once; sizes of
    /// buckets and stores, timeouts and rate limits are fixed when the node starts.
    /// </summary>
    public void Reconfigure(DhtOptions options)
    {
        lock (_gate)
            Options = options;
    }

    /// <summary>Puts a node from a saved routing table back, as if it had answered at <paramref name="lastSeen"/>.</summary>
    public void Restore(NodeContact contact, DateTimeOffset lastSeen)
    {
        if (!Speaks(contact.EndPoint))
            return;
        lock (_gate)
        {
            if (_table.Observe(contact, responded: true, rtt: null, out _) is { } node)
                node.LastResponse = lastSeen;
        }
    }

    private void OnDatagram(ReadOnlyMemory<byte> datagram, IPEndPoint source)
    {
        source = CompactEndPoint.Normalize(source);
        lock (_gate)
        {
            _counters.DatagramsIn++;
            var result = KrpcDecoder.Decode(datagram);
            switch (result.Message)
            {
                case KrpcQuery query:
                    if (!IsRateExempt(source) && !_limiter.Allow(source.Address))
                    {
                        _counters.Dropped++;
                        return;
                    }
                    Answer(query, source);
                    break;
                case KrpcResponse response:
                    OnResponse(response, source);
                    break;
                case KrpcError error:
                    OnError(error, source);
                    break;
                default:
                    _counters.Malformed++;
                    if (result.ShouldAnswerWithError && (IsRateExempt(source) || _limiter.Allow(source.Address)))
                        SendMessage(new KrpcError(result.TransactionId!, KrpcErrorCode.Protocol, result.Problem ?? "malformed"), source);
                    LogMalformed(source, result.Problem);
                    break;
            }
        }
    }

    private void OnResponse(KrpcResponse response, IPEndPoint source)
    {
        if (!_queries.TryComplete(response.TransactionId, source, out var query))
        {
            _counters.Unexpected++;
            return;
        }
        _counters.ResponsesIn++;
        _rtt.Add(query.Rtt);
        // A public node's word about LAN addresses is a poisoning attempt or noise: it cannot know our LAN.
        response = LanScope.FromSender(response, source);
        _counters.MalformedEntries += response.MalformedEntries;
        response = KeepOwnFamily(response);
        _table.Observe(new NodeContact(response.SenderId, source), responded: true, query.Rtt, out var stale);
        if (stale is not null)
            Ping(stale.EndPoint, stale.Id);
        if (response.RequesterAddress is { } seenAs)
            VoteExternalAddress(seenAs.Address, source);
        query.Observer?.OnResponse(query, response);
    }

    /// <summary>
    /// Nodes of the other family cannot be queried from this socket: they are handed to the sibling (which pings them, off
    /// this lock) and left out here. Peers of both families stay: the swarm connects over TCP to either.
    /// </summary>
    private KrpcResponse KeepOwnFamily(KrpcResponse response)
    {
        if (response.Nodes.All(n => Speaks(n.EndPoint)))
            return response;
        var other = response.Nodes.Where(n => !Speaks(n.EndPoint)).ToList();
        // Off this lock (the sibling takes its own); on the caller's context where it has one (a simulation's single thread).
        if (Sibling is { } sibling)
        {
            if (SynchronizationContext.Current is { } context)
                context.Post(_ => sibling.Consider(other), null);
            else
                ThreadPool.UnsafeQueueUserWorkItem(s => s.Consider(other), sibling, preferLocal: false);
        }
        return response with { Nodes = [.. response.Nodes.Where(n => Speaks(n.EndPoint))] };
    }

    /// <summary>While the table holds fewer good nodes than this, the sibling's lookups ask for this family's nodes too.</summary>
    private const int SiblingHelpBelow = 32;

    /// <summary>
    /// Nodes heard of through the sibling: while the table is small, a few of those it would take are pinged, and enter when
    /// they answer (a few per answer: enough to join, not a ping storm on every lookup).
    /// </summary>
    private void Consider(IReadOnlyList<NodeContact> contacts)
    {
        lock (_gate)
        {
            if (_table.Count >= SiblingHelpBelow)
                return;
            foreach (var contact in contacts.Take(4))
            {
                if (Speaks(contact.EndPoint) && _table.Find(contact.Id) is null && _table.WouldAccept(contact.Id) && !IsOwnEndPoint(contact.EndPoint))
                    Ping(contact.EndPoint, contact.Id);
            }
        }
    }

    /// <summary>The <paramref name="count"/> published contacts closest to <paramref name="target"/>; no lock.</summary>
    internal IEnumerable<NodeContact> PublishedClosest(NodeId target, int count)
    {
        var published = Volatile.Read(ref _published);
        return published.OrderBy(c => c.Id.Xor(target)).Take(count);
    }

    /// <summary>Called under the lock by maintenance: what <see cref="PublishedClosest"/> reads.</summary>
    private void PublishContacts() => Volatile.Write(ref _published, [.. _table.Nodes.Where(n => n.LastResponse != default).Select(n => n.Contact)]);

    private void OnError(KrpcError error, IPEndPoint source)
    {
        if (!_queries.TryComplete(error.TransactionId, source, out var query))
        {
            _counters.Unexpected++;
            return;
        }
        _counters.ErrorsIn++;
        LogErrorReceived(source, error.Code, error.Text);
        query.Observer?.OnError(query, error);
    }

    private void OnQuerySlow(PendingQuery query) => query.Observer?.OnSlow(query);

    private void OnQueryExpired(PendingQuery query)
    {
        _counters.Timeouts++;
        _pinging.Remove(query.Destination);
        if (query.ExpectedId is { } id)
        {
            _table.Failed(id);
            if (_table.Count == 0)
                _tableEmptied.TrySetResult();
        }
        query.Observer?.OnTimeout(query);
    }

    /// <summary>Encodes and sends a query, registering it for its answer.</summary>
    /// <param name="probe">A reachability probe: without <c>ro</c> even while this node is read-only by itself.</param>
    internal PendingQuery SendQuery(KrpcQuery template, IPEndPoint destination, NodeId? expectedId, IQueryObserver? observer, bool probe = false)
    {
        var nodeRtt = expectedId is { } id && _table.Find(id) is { } known ? known.Rtt : TimeSpan.Zero;
        var pending = _queries.Register(template.Method, destination, expectedId, observer, _rtt.SlowAfterFor(nodeRtt));
        var query = template with
        {
            TransactionId = QueryTable.EncodeTransactionId(pending.TransactionId),
            SenderId = Id,
            ReadOnly = probe ? Options.ReadOnly : IsReadOnly,
        };
        _counters.QueriesOut++;
        SendMessage(query, destination);
        return pending;
    }

    internal PendingQuery SendLookupQuery(LookupKind kind, NodeId target, IPEndPoint destination, NodeId? expectedId, IQueryObserver observer)
    {
        var method = kind switch
        {
            LookupKind.GetPeers => KrpcMethod.GetPeers,
            LookupKind.GetItem => KrpcMethod.Get,
            _ => KrpcMethod.FindNode,
        };
        // BEP 32: a dual-stack node asks for nodes of both families while its sibling's table is still small, so that a family
        // with no router of its own joins through the other; after that each family's lookups stay on their own.
        var want = Sibling is not { } sibling || method == KrpcMethod.Get || Volatile.Read(ref sibling._published).Length >= SiblingHelpBelow
            ? WantedFamilies.Default : WantedFamilies.IPv4 | WantedFamilies.IPv6;
        return SendQuery(new KrpcQuery([], method, Id) { Target = target, Want = want }, destination, expectedId, observer);
    }

    private void SendMessage(KrpcMessage message, IPEndPoint destination)
    {
        RecordSent(destination);
        _sendBuffer.ResetWrittenCount();
        KrpcEncoder.Write(_sendBuffer, message);
        _counters.DatagramsOut++;
        _transport.Send(_sendBuffer.WrittenSpan, destination);
    }

    /// <summary>Pings a node we may want in the table; it enters when it answers.</summary>
    private void Ping(IPEndPoint destination, NodeId? expectedId)
    {
        if (_pinging.Count >= 64 || !_pinging.Add(destination))
            return;
        SendQuery(new KrpcQuery([], KrpcMethod.Ping, Id), destination, expectedId, new PingObserver(this));
    }

    /// <summary>Loopback is this machine: several nodes may share it (tests, a second node on 127.0.0.x), so it is not rate limited.</summary>
    private static bool IsRateExempt(IPEndPoint source) => IPAddress.IsLoopback(source.Address);

    internal bool IsOwnEndPoint(IPEndPoint endPoint) =>
        endPoint.Port == LocalEndPoint.Port && (endPoint.Address.Equals(LocalEndPoint.Address) || endPoint.Address.Equals(ExternalAddress)
            || (IPAddress.IsLoopback(endPoint.Address) && (LocalEndPoint.Address.Equals(IPAddress.Any) || LocalEndPoint.Address.Equals(IPAddress.IPv6Any))));

    internal Lookup StartLookup(LookupKind kind, NodeId target, ILookupListener listener, IReadOnlyList<IPEndPoint>? routers = null)
    {
        var lookup = new Lookup(this, kind, target, Options.Alpha, Options.BucketSize, listener);
        _lookups.Add(lookup);
        _counters.LookupsStarted++;
        lookup.Start(_table.Closest(target, Options.BucketSize * 2), routers ?? []);
        return lookup;
    }

    internal void OnLookupFinished(Lookup lookup, LookupResult result)
    {
        _lookups.Remove(lookup);
        _counters.LookupsCompleted++;
        LookupEnded?.Invoke(lookup.Kind, result);
    }

    private void VoteExternalAddress(IPAddress address, IPEndPoint voter)
    {
        if (!_externalVote.Add(address, voter, out var agreed) || agreed.Equals(ExternalAddress))
            return;
        ExternalAddress = agreed;
        _externalIsOwn = IsLocalAddress(agreed);
        LogExternalAddress(agreed);
        if (!Options.UseSecureNodeId || SecureNodeId.IsExempt(agreed) || SecureNodeId.IsValid(Id, agreed))
            return;
        var id = SecureNodeId.Generate(agreed, _random);
        _table = _table.Rebuild(id);
        LogSecureId(id, agreed);
        IdChanged?.Invoke(id);
        StartLookup(LookupKind.FindNode, id, NullListener.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        lock (_gate)
        {
            foreach (var lookup in _lookups.ToList())
                lookup.Cancel();
        }
        if (_maintenance is not null)
            await _maintenance.DisposeAsync();
        _queries.Dispose();
        await _transport.DisposeAsync();
    }

    private sealed class PingObserver(DhtNode node) : IQueryObserver
    {
        public void OnResponse(PendingQuery query, KrpcResponse response) => node._pinging.Remove(query.Destination);
        public void OnError(PendingQuery query, KrpcError failure) => node._pinging.Remove(query.Destination);
        public void OnSlow(PendingQuery query)
        {
        }
        public void OnTimeout(PendingQuery query)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Trace, Message = "Malformed DHT datagram from {Source}: {Problem}")]
    private partial void LogMalformed(IPEndPoint source, string? problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DHT error {Code} '{Text}' from {Source}")]
    private partial void LogErrorReceived(IPEndPoint source, int code, string text);

    [LoggerMessage(Level = LogLevel.Information, Message = "DHT external address is {Address}")]
    private partial void LogExternalAddress(IPAddress address);

    [LoggerMessage(Level = LogLevel.Information, Message = "DHT node id is now {Id} (BEP 42, from {Address})")]
    private partial void LogSecureId(NodeId id, IPAddress address);
}
