using AptP2P.Engine.Dht;
using AptP2P.Engine.Peers;
using AptP2P.Engine.Pieces;

namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>Finds a file's piece list: the DHT item and the first peers' <c>/pieces</c> race; the first list that validates wins.</summary>
public sealed class PieceListLookup(IDht dht, PeerClient peers)
{
    /// <summary>How many of the peers found first are asked for their list.</summary>
    private const int PeersAsked = 3;

    /// <summary>The list, or null once every attempt has ended without one (rather than leaving the caller to its timeout).</summary>
    internal Task<PieceList?> FindAsync(ContentHash hash, long size, PeerDiscovery discovery, CancellationToken cancellationToken)
    {
        if (PieceList.IsSinglePiece(size))
            return Task.FromResult<PieceList?>(PieceList.SinglePiece(hash, size));

        var found = new TaskCompletionSource<PieceList?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fromDht = Task.Run(async () =>
        {
            var encoded = await dht.FetchPieceListAsync(hash, cancellationToken);
            if (encoded is not null && PieceList.TryDecode(encoded, size) is { } list)
                found.TrySetResult(list);
        }, cancellationToken);
        var fromPeers = Task.Run(async () =>
        {
            var asked = new List<Task>();
            await foreach (var peer in discovery.Subscribe().ReadAllAsync(cancellationToken))
            {
                if (found.Task.IsCompleted || asked.Count >= PeersAsked)
                    break;
                asked.Add(Task.Run(async () =>
                {
                    if (await peers.GetPieceListAsync(peer, hash, cancellationToken) is { } encoded && PieceList.TryDecode(encoded, size) is { } list)
                        found.TrySetResult(list);
                }, cancellationToken));
            }
            await Task.WhenAll(asked);
        }, cancellationToken);
        _ = Task.WhenAll(fromDht, fromPeers).ContinueWith(_ => found.TrySetResult(null), TaskScheduler.Default);
        return found.Task;
    }
}
