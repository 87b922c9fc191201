using System.Net;
using AptP2P.Engine.Dht.Krpc;

namespace AptP2P.Engine.Dht.Queries;

/// <summary>A query on the wire, waiting for its answer.</summary>
public sealed class PendingQuery(ushort transactionId, KrpcMethod method, IPEndPoint destination, NodeId? expectedId, long sentAt, IQueryObserver? observer)
{
    public ushort TransactionId { get; } = transactionId;
    public KrpcMethod Method { get; } = method;
    public IPEndPoint Destination { get; } = destination;
    /// <summary>The id we believed the node has (null for bootstrap routers we only know by address).</summary>
    public NodeId? ExpectedId { get; } = expectedId;
    public long SentAt { get; } = sentAt;
    public IQueryObserver? Observer { get; } = observer;
    public bool IsSlow { get; set; }
    public TimeSpan Rtt { get; set; }
}
