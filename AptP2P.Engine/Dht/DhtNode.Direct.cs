using System.Net;
using AptP2P.Engine.Dht.Krpc;
using AptP2P.Engine.Dht.Queries;

namespace AptP2P.Engine.Dht;

/// <summary>Queries to one known node, outside any lookup: what a one-hop LAN lookup is made of.</summary>
public sealed partial class DhtNode
{
    /// <summary>Sends <paramref name="query"/> (its transaction id and sender id are filled in) and returns the answer, or null on an error or timeout.</summary>
    public Task<KrpcResponse?> QueryAsync(KrpcQuery query, IPEndPoint destination, NodeId? expectedId = null, CancellationToken cancellationToken = default)
    {
        var observer = new ResponseObserver(cancellationToken);
        lock (_gate)
            SendQuery(query, destination, expectedId, observer);
        return observer.Task;
    }

    private sealed class ResponseObserver : IQueryObserver
    {
        private readonly TaskCompletionSource<KrpcResponse?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ResponseObserver(CancellationToken cancellationToken) =>
            cancellationToken.UnsafeRegister(static (state, token) => ((TaskCompletionSource<KrpcResponse?>)state!).TrySetCanceled(token), _done);

        public Task<KrpcResponse?> Task => _done.Task;

        public void OnResponse(PendingQuery query, KrpcResponse response) => _done.TrySetResult(response);
        public void OnError(PendingQuery query, KrpcError failure) => _done.TrySetResult(null);
        public void OnSlow(PendingQuery query)
        {
        }
        public void OnTimeout(PendingQuery query) => _done.TrySetResult(null);
    }
}
