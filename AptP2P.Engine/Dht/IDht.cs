using System.Net;

namespace AptP2P.Engine.Dht;

/// <summary>What the transfer code needs from the DHT (PROTOCOL.md §2): peers for a key, announces, and piece lists as BEP 44 items.</summary>
public interface IDht
{
    /// <summary>Peers for <paramref name="key"/> as they arrive, each once; the sequence ends when the lookup has converged.</summary>
    IAsyncEnumerable<IPEndPoint> FindPeersAsync(InfoHash key, CancellationToken cancellationToken);

    /// <summary>Announces that this node serves <paramref name="key"/> on TCP <paramref name="port"/> (our HTTP port).</summary>
    Task AnnounceAsync(InfoHash key, int port, CancellationToken cancellationToken);

    /// <summary>Publishes a file's piece list (<paramref name="bencodedV"/>, the bencoded <c>v</c> of PROTOCOL.md §2.1).</summary>
    Task PublishPieceListAsync(ContentHash file, ReadOnlyMemory<byte> bencodedV, CancellationToken cancellationToken);

    /// <summary>
    /// A file's piece list from the DHT: the bencoded <c>v</c> of an item under the file's derived key whose signature verifies,
    /// with seq 1 and no salt; null when none is found. The caller checks <c>l</c>, <c>p</c> and <c>s</c> against the file's size.
    /// </summary>
    Task<byte[]?> FetchPieceListAsync(ContentHash file, CancellationToken cancellationToken);

    DhtStatistics GetStatistics();

    /// <summary>Nodes in the routing table (0 before start): cheap, for callers that only ask "is anyone there?".</summary>
    int KnownNodes { get; }
}
