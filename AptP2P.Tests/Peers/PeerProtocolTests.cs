using System.Globalization;
using System.Security.Cryptography;
using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Pieces;
using AptP2P.Testing.Http;
using AptP2P.Testing.Nodes;

namespace AptP2P.Tests.Peers;

/// <summary>The peer protocol of PROTOCOL.md §3 on the wire.</summary>
public sealed class PeerProtocolTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_held_file_is_served_whole_and_by_single_ranges_to_any_address()
    {
        await using var node = await AptP2PNode.StartAsync(bindAddress: "0.0.0.0", settings: ["AptP2P:AllowedClients:0=127.0.0.1/32"]);
        var (hash, bytes) = Hold(node, 600_000);
        var server = new Uri($"http://127.0.0.1:{node.Port}/");
        var outsider = System.Net.IPAddress.Parse("127.0.0.9");

        var whole = await RawHttp.SendAsync(server, "GET", $"/~/{hash}", outsider);
        var range = await RawHttp.SendAsync(server, "GET", $"/~/{hash}", outsider, "Range: bytes=262144-524287\r\n");
        var head = await RawHttp.SendAsync(server, "HEAD", $"/~/{hash}", outsider);
        var beyond = await RawHttp.SendAsync(server, "GET", $"/~/{hash}", outsider, "Range: bytes=600000-\r\n");
        var proxyForOutsider = await RawHttp.SendAsync(server, "GET", "/deb.debian.org/debian/dists/bookworm/InRelease", outsider);

        Assert.Equal(200, whole.Status);
        Assert.Equal(bytes, whole.Body);
        Assert.Equal("application/octet-stream", whole.Header("Content-Type"));
        Assert.Equal($"\"{hash}\"", whole.Header("ETag"));
        Assert.Equal("bytes", whole.Header("Accept-Ranges"));
        Assert.Equal(206, range.Status);
        Assert.Equal("bytes 262144-524287/600000", range.Header("Content-Range"));
        Assert.Equal(bytes.AsSpan(262_144, 262_144).ToArray(), range.Body);
        Assert.Equal("600000", head.Header("Content-Length"));
        Assert.Empty(head.Body);
        Assert.Equal(416, beyond.Status);
        Assert.Equal(403, proxyForOutsider.Status);
        // Counted once the server has finished each response, which may be a moment after the client has read it.
        var store = node.Get<ContentStore>();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (store.Find(hash)!.UploadedBytes < 600_000 + 262_144 && waited.Elapsed < TimeSpan.FromSeconds(5))
            await Task.Delay(20, TestContext.Current.CancellationToken);
        Assert.Equal(600_000 + 262_144, store.Find(hash)!.UploadedBytes);
    }

    [Fact]
    public async Task The_piece_list_is_served_for_files_of_more_than_one_piece()
    {
        await using var node = await AptP2PNode.StartAsync();
        var (big, bigBytes) = Hold(node, 600_000);
        var (small, _) = Hold(node, 1000);

        var list = await RawHttp.SendAsync(node.BaseUri, "GET", $"/~/{big}/pieces");
        var none = await RawHttp.SendAsync(node.BaseUri, "GET", $"/~/{small}/pieces");

        Assert.Equal(200, list.Status);
        var decoded = PieceList.TryDecode(list.Body, bigBytes.Length);
        Assert.NotNull(decoded);
        Assert.True(decoded.Verify(2, bigBytes.AsSpan(2 * 262_144)));
        Assert.Equal(404, none.Status);
    }

    [Theory]
    [InlineData("/~/abc")]
    [InlineData("/~/ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("/~/zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public async Task Malformed_hashes_get_400(string target)
    {
        await using var node = await AptP2PNode.StartAsync();
        Assert.Equal(400, (await RawHttp.SendAsync(node.BaseUri, "GET", target)).Status);
    }

    [Fact]
    public async Task Files_not_held_or_not_verified_get_404()
    {
        await using var node = await AptP2PNode.StartAsync();
        var (unverified, _) = Hold(node, 1000, verified: false);

        Assert.Equal(404, (await RawHttp.SendAsync(node.BaseUri, "GET", $"/~/{new string('a', 64)}")).Status);
        Assert.Equal(404, (await RawHttp.SendAsync(node.BaseUri, "GET", $"/~/{unverified}")).Status);
        Assert.Equal(404, (await RawHttp.SendAsync(node.BaseUri, "GET", $"/~/{new string('a', 64)}/pieces")).Status);
    }

    [Fact]
    public async Task With_two_upload_slots_a_third_concurrent_peer_gets_503_with_Retry_After()
    {
        await using var node = await AptP2PNode.StartAsync(settings: ["AptP2P:Peers:UploadSlots=2", "AptP2P:Peers:UploadRateLimit=256K"]);
        var (hash, _) = Hold(node, 4_000_000);
        var slow = new List<RawHttp>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var connection = await RawHttp.ConnectAsync(node.BaseUri, cancellationToken: Ct);
                await connection.WriteAsync($"GET /~/{hash} HTTP/1.1\r\nHost: x\r\n\r\n");
                slow.Add(connection);
            }
            await WaitForUploadsAsync(node, 2);

            var third = await RawHttp.SendAsync(node.BaseUri, "GET", $"/~/{hash}");

            Assert.Equal(503, third.Status);
            Assert.True(int.Parse(third.Header("Retry-After")!, CultureInfo.InvariantCulture) > 0);
        }
        finally
        {
            foreach (var connection in slow)
                await connection.DisposeAsync();
        }
    }

    private static async Task WaitForUploadsAsync(AptP2PNode node, int count)
    {
        var gate = node.Get<AptP2P.Engine.Peers.UploadGate>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (gate.ActiveUploads < count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"only {gate.ActiveUploads} uploads started");
            await Task.Delay(20, Ct);
        }
    }

    internal static (ContentHash Hash, byte[] Bytes) Hold(AptP2PNode node, int size, bool verified = true)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var store = node.Get<ContentStore>();
        var partial = store.Directory.NewPartialPath();
        File.WriteAllBytes(partial, bytes);
        var hash = ContentHash.Compute(bytes);
        store.Add(partial, hash, size, verified);
        return (hash, bytes);
    }
}
