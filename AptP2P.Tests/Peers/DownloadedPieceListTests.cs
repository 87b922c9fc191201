using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Pieces;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Peers;

/// <summary>
/// The piece list of a file fetched from the mirror: from the pass that wrote it when the node will announce the file at once,
/// else from the file when first asked for. Real nginx, the repository's 24 MiB package.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class DownloadedPieceListTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_file_fetched_from_the_mirror_by_a_node_with_dht_neighbours_has_its_piece_list_from_the_bytes_as_they_arrived()
    {
        // A node that will announce at once (it knows a DHT node) hashes the pieces in the pass that writes the file.
        await using var neighbour = await AptP2PNode.StartAsync();
        var neighbourDht = neighbour.Get<DhtService>().Node!.LocalEndPoint;
        await using var node = await AptP2PNode.StartAsync(settings: $"AptP2P:Dht:BootstrapNodes:0=127.0.0.1:{neighbourDht.Port}");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (node.Get<DhtService>().KnownNodes == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, node.Logs.ToString());
            await Task.Delay(50, Ct);
        }
        var (bytes, list) = await FetchBigAndOverwriteItsCopyAsync(node);

        // Overwritten after it was stored: a list computed from the file now would not verify the real bytes; one hashed as
        // they were written does.
        Assert.True(list.Verify(0, bytes.AsSpan(0, list.LengthOf(0))));
        Assert.True(list.Verify(list.Count - 1, bytes.AsSpan((int)list.OffsetOf(list.Count - 1))));
    }

    [Fact]
    public async Task A_node_alone_hashes_no_pieces_while_downloading_and_computes_the_list_from_the_file_when_asked()
    {
        await using var node = await AptP2PNode.StartAsync();
        var (bytes, list) = await FetchBigAndOverwriteItsCopyAsync(node);

        Assert.False(list.Verify(0, bytes.AsSpan(0, list.LengthOf(0))));
        Assert.True(list.Verify(list.Count - 1, bytes.AsSpan((int)list.OffsetOf(list.Count - 1))));
    }

    /// <summary>Fetches the repository's 24 MiB package through the node, zeroes the first MiB of the cached copy, asks for its piece list.</summary>
    private async Task<(byte[] Bytes, PieceList List)> FetchBigAndOverwriteItsCopyAsync(AptP2PNode node)
    {
        var big = fixture.Repository.BigPackage;
        var prefix = node.PrefixFor(fixture.Mirror.HostPort);
        using var http = new HttpClient();
        await http.GetByteArrayAsync(new Uri(prefix + $"{fixture.Repository.SuiteDirectory}/InRelease"), Ct);
        await http.GetByteArrayAsync(new Uri(prefix + $"{fixture.Repository.SuiteDirectory}/main/binary-amd64/Packages.xz"), Ct);
        var index = node.Get<HashIndex>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (index.Find(new MirrorUrl("127.0.0.1", fixture.Mirror.Port, big.PoolPath)) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, node.Logs.ToString());
            await Task.Delay(50, Ct);
        }

        var bytes = await http.GetByteArrayAsync(new Uri(prefix + big.PoolPath), Ct);
        var hash = ContentHash.Parse(big.Sha256);
        var cached = node.Get<DataDirectory>().PathOf(hash);
        await using (var file = new FileStream(cached, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            file.Write(new byte[1024 * 1024]);
        var encoded = await node.Get<PieceListStore>().GetEncodedAsync(hash, Ct);

        var list = PieceList.TryDecode(encoded!, bytes.Length);
        Assert.NotNull(list);
        return (bytes, list);
    }
}
