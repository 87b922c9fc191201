using System.Net;
using AptP2P.Engine.Dht.Krpc;
using AptP2P.Engine.Dht.Queries;

namespace AptP2P.Engine.Dht.Lookups;

/// <summary>What a lookup reports while it runs and when it ends. Called under the node's lock.</summary>
public interface ILookupListener
{
    void OnPeers(IReadOnlyList<IPEndPoint> peers);
    void OnItem(KrpcResponse response, NodeContact from);
    void OnCompleted(LookupResult result);
}

/// <summary>
/// One iterative Kademlia lookup: α queries in flight to the closest nodes not yet asked; a query that runs past its
/// adaptive "slow" threshold frees its slot; results stream to the listener as they arrive; done when the K closest nodes
/// that are not failed or slow have answered.
/// </summary>
public sealed class Lookup : IQueryObserver
{
    private const int MaxCandidatesPerK = 8;

    private readonly DhtNode _node;
    private readonly ILookupListener _listener;
    private readonly int _alpha;
    private readonly int _k;
    private readonly List<LookupCandidate> _candidates = [];
    private readonly HashSet<NodeId> _seenIds = [];
    private readonly HashSet<IPEndPoint> _seenEndPoints = [];
    private readonly HashSet<IPEndPoint> _peers = [];
    private readonly long _started;
    private int _active;
    private int _slow;
    private int _sent;
    private int _responses;
    private int _timeouts;
    private bool _finished;

    internal Lookup(DhtNode node, LookupKind kind, NodeId target, int alpha, int k, ILookupListener listener)
    {
        _node = node;
        Kind = kind;
        Target = target;
        _alpha = alpha;
        _k = k;
        _listener = listener;
        _started = node.Time.GetTimestamp();
    }

    public LookupKind Kind { get; }
    public NodeId Target { get; }
    public bool IsFinished => _finished;

    /// <summary>Seeds from the routing table (ids known) and from bootstrap endpoints (ids unknown, asked first).</summary>
    internal void Start(IEnumerable<NodeContact> seeds, IEnumerable<IPEndPoint> routers)
    {
        foreach (var router in routers)
        {
            if (_seenEndPoints.Add(router))
                _candidates.Add(new LookupCandidate(router, null));
        }
        foreach (var seed in seeds)
            Consider(seed);
        Sort();
        Pump();
    }

    internal void Cancel() => Finish(cancelled: true);

    private void Consider(NodeContact contact)
    {
        if (contact.Id == _node.Id || !IsRoutable(contact.EndPoint.Address) || _node.IsOwnEndPoint(contact.EndPoint)
            || !_seenIds.Add(contact.Id) || !_seenEndPoints.Add(contact.EndPoint))
        {
            return;
        }

        _candidates.Add(new LookupCandidate(contact.EndPoint, contact.Id));
    }

    /// <summary>
    /// Addresses no node can have (IPv4 0.0.0.0/8, multicast, broadcast; IPv6 unspecified and multicast ff00::/8), or of the
    /// other family (this socket cannot reach it): a node that hands them out is lying or broken.
    /// </summary>
    private bool IsRoutable(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        if (!address.TryWriteBytes(b, out var written))
            return false;
        var family = written == 4 ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (family != _node.Family)
            return false;
        return written == 4
            ? b[0] != 0 && b[0] < 224
            : b[0] != 0xff && !address.Equals(IPAddress.IPv6Any);
    }

    private void Sort()
    {
        _candidates.Sort((a, b) => (a.Id, b.Id) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            ({ } x, { } y) => x.CompareDistance(y, Target),
        });
        // Keep the list bounded: far candidates that were never asked are dropped.
        for (var i = _candidates.Count - 1; i >= _k * MaxCandidatesPerK && _candidates[i].State == CandidateState.Fresh; i--)
            _candidates.RemoveAt(i);
    }

    private void Pump()
    {
        while (!_finished && _active < _alpha)
        {
            if (IsDone())
            {
                Finish(cancelled: false);
                return;
            }
            var next = _candidates.Find(c => c.State == CandidateState.Fresh);
            if (next is null)
                break;
            next.State = CandidateState.InFlight;
            _active++;
            _sent++;
            next.Query = _node.SendLookupQuery(Kind, Target, next.EndPoint, next.Id, this);
            next.Outstanding++;
        }
        if (!_finished && IsDone())
            Finish(cancelled: false);
    }

    private bool IsDone()
    {
        var responded = 0;
        foreach (var candidate in _candidates)
        {
            switch (candidate.State)
            {
                case CandidateState.Responded when ++responded >= _k:
                    return true;
                case CandidateState.Fresh or CandidateState.InFlight:
                    return false;
                case CandidateState.Slow when candidate.RetryPending:
                    // One of the closest went quiet and was asked again (a lost datagram is likelier than a dead node):
                    // wait for that second chance, which is bounded by its own slow threshold.
                    return false;
            }
        }
        // Every candidate asked: done once nothing is in flight, unless only slow answers could still bring anything.
        return _active == 0 && (responded > 0 || _slow == 0);
    }

    private LookupCandidate? CandidateFor(PendingQuery query) =>
        _candidates.Find(c => ReferenceEquals(c.Query, query) || ReferenceEquals(c.Retry, query));

    public void OnResponse(PendingQuery query, KrpcResponse response)
    {
        var candidate = CandidateFor(query);
        if (candidate is null || candidate.State is CandidateState.Responded)
            return;
        candidate.Outstanding--;
        candidate.RetryPending = false;
        Release(candidate);
        _responses++;
        candidate.State = CandidateState.Responded;
        candidate.Id ??= response.SenderId;
        _seenIds.Add(response.SenderId);
        candidate.Token = response.Token;
        if (_finished)
            return;
        var from = new NodeContact(response.SenderId, query.Destination);
        if (Kind == LookupKind.GetPeers && response.Values.Count > 0)
        {
            var fresh = response.Values.Where(_peers.Add).ToList();
            if (fresh.Count > 0)
                _listener.OnPeers(fresh);
        }
        if (Kind == LookupKind.GetItem && (response.Value is not null || response.Seq is not null))
            _listener.OnItem(response, from);
        if (_finished)
            return;
        foreach (var contact in response.Nodes)
            Consider(contact);
        Sort();
        Pump();
    }

    public void OnError(PendingQuery query, KrpcError failure) => Fail(query);

    public void OnTimeout(PendingQuery query)
    {
        _timeouts++;
        Fail(query);
    }

    public void OnSlow(PendingQuery query)
    {
        var candidate = CandidateFor(query);
        if (candidate is null)
            return;
        if (ReferenceEquals(candidate.Retry, query))
        {
            candidate.RetryPending = false;
            Pump();
            return;
        }
        if (candidate.State != CandidateState.InFlight)
            return;
        candidate.State = CandidateState.Slow;
        _active--;
        _slow++;
        if (!_finished && candidate.Retry is null && IsAmongClosest(candidate))
        {
            candidate.Retry = _node.SendLookupQuery(Kind, Target, candidate.EndPoint, candidate.Id, this);
            candidate.RetryPending = true;
            candidate.Outstanding++;
            _sent++;
        }
        Pump();
    }

    /// <summary>True when fewer than K live candidates are closer than this one.</summary>
    private bool IsAmongClosest(LookupCandidate candidate)
    {
        var closer = 0;
        foreach (var c in _candidates)
        {
            if (ReferenceEquals(c, candidate))
                return true;
            if (c.State != CandidateState.Failed && ++closer >= _k)
                return false;
        }
        return false;
    }

    private void Fail(PendingQuery query)
    {
        var candidate = CandidateFor(query);
        if (candidate is null || candidate.State is CandidateState.Responded or CandidateState.Failed)
            return;
        if (ReferenceEquals(candidate.Retry, query))
            candidate.RetryPending = false;
        // The other query to this node may still be answered.
        if (--candidate.Outstanding > 0)
        {
            Pump();
            return;
        }
        Release(candidate);
        candidate.State = CandidateState.Failed;
        Pump();
    }

    private void Release(LookupCandidate candidate)
    {
        if (candidate.State == CandidateState.InFlight)
            _active--;
        else if (candidate.State == CandidateState.Slow)
            _slow--;
    }

    private void Finish(bool cancelled)
    {
        if (_finished)
            return;
        _finished = true;
        var closest = _candidates
            .Where(c => c.State == CandidateState.Responded && c.Id is not null)
            .Take(_k)
            .Select(c => new LookupResponder(new NodeContact(c.Id!.Value, c.EndPoint), c.Token))
            .ToList();
        var result = new LookupResult(closest, _sent, _responses, _timeouts, _node.Time.GetElapsedTime(_started), cancelled);
        _node.OnLookupFinished(this, result);
        _listener.OnCompleted(result);
    }

    private enum CandidateState : byte
    {
        Fresh,
        InFlight,
        Slow,
        Responded,
        Failed,
    }

    private sealed class LookupCandidate(IPEndPoint endPoint, NodeId? id)
    {
        public IPEndPoint EndPoint { get; } = endPoint;
        public NodeId? Id { get; set; } = id;
        public CandidateState State { get; set; }
        public byte[]? Token { get; set; }
        public PendingQuery? Query { get; set; }
        /// <summary>The second query sent when the first went slow (once, and only to one of the K closest).</summary>
        public PendingQuery? Retry { get; set; }
        public bool RetryPending { get; set; }
        public int Outstanding { get; set; }
    }
}
