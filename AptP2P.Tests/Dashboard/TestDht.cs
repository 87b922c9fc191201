using System.Net;
using System.Runtime.CompilerServices;
using AptP2P.Engine;
using AptP2P.Engine.Dht;

namespace AptP2P.Tests.Dashboard;

/// <summary>A DHT that answers lookups with the peers the test gives it, and records what was looked up.</summary>
internal sealed class TestDht : IDht
{
    public Dictionary<InfoHash, IPEndPoint[]> Peers { get; } = [];

    public List<InfoHash> LookedUp { get; } = [];

    public async IAsyncEnumerable<IPEndPoint> FindPeersAsync(InfoHash key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        LookedUp.Add(key);
        foreach (var peer in Peers.GetValueOrDefault(key) ?? [])
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return peer;
        }
    }

    public Task AnnounceAsync(InfoHash key, int port, CancellationToken cancellationToken) => Task.CompletedTask;

    public int KnownNodes { get; set; } = 1;

    public Task PublishPieceListAsync(ContentHash file, ReadOnlyMemory<byte> bencodedV, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<byte[]?> FetchPieceListAsync(ContentHash file, CancellationToken cancellationToken) => Task.FromResult<byte[]?>(null);

    public DhtStatistics GetStatistics() => SampleStatistics.DhtNode().Node;
}
