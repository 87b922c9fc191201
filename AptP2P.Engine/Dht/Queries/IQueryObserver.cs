using AptP2P.Engine.Dht.Krpc;

namespace AptP2P.Engine.Dht.Queries;

/// <summary>Told what became of a query. Called under the node's lock, never concurrently.</summary>
public interface IQueryObserver
{
    void OnResponse(PendingQuery query, KrpcResponse response);
    void OnError(PendingQuery query, KrpcError failure);

    /// <summary>The query took longer than this node's answers usually take: free its slot, but keep listening.</summary>
    void OnSlow(PendingQuery query);

    /// <summary>No answer within the hard timeout: the node is considered to have failed.</summary>
    void OnTimeout(PendingQuery query);
}
