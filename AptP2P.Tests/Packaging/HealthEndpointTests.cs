using System.Net;
using AptP2P.Testing.Nodes;

namespace AptP2P.Tests.Packaging;

/// <summary><c>GET /healthz</c> on a real node: 200 while usable, 503 with the reason when the cache directory is gone or the database is unreadable.</summary>
public sealed class HealthEndpointTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_running_node_is_healthy()
    {
        await using var node = await AptP2PNode.StartAsync();
        using var http = new HttpClient { BaseAddress = node.BaseUri };

        using var response = await http.GetAsync("healthz", Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (await response.Content.ReadAsStringAsync(Token)).Trim());
        Assert.Empty(Directory.GetFiles(Path.Combine(node.DataDirectory, "cache"), ".healthz*"));
    }

    [Fact]
    public async Task A_node_whose_cache_directory_vanished_is_unhealthy_and_says_why()
    {
        await using var node = await AptP2PNode.StartAsync();
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        var cache = Path.Combine(node.DataDirectory, "cache");

        Directory.Delete(cache, recursive: true);
        using var gone = await http.GetAsync("healthz", Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, gone.StatusCode);
        Assert.Contains($"the cache directory {cache} is missing", await gone.Content.ReadAsStringAsync(Token));

        // A file where the directory was: present but takes no file.
        await File.WriteAllTextAsync(cache, "", Token);
        using var blocked = await http.GetAsync("healthz", Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, blocked.StatusCode);

        File.Delete(cache);
        Directory.CreateDirectory(cache);
        using var back = await http.GetAsync("healthz", Token);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public async Task A_node_whose_database_file_is_garbage_is_unhealthy_and_says_why()
    {
        await using var node = await AptP2PNode.StartAsync();
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        using (var healthy = await http.GetAsync("healthz", Token))
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);

        // The database's files overwritten in place, as a failing disk or a stray write would (the main file and its WAL,
        // which holds most pages of a young database); the node's pooled connections keep their handles and cached pages.
        var random = new Random(15);
        foreach (var path in new[] { "aptp2p.db", "aptp2p.db-wal" }.Select(name => Path.Combine(node.DataDirectory, name)))
        {
            var garbage = new byte[new FileInfo(path).Length];
            random.NextBytes(garbage);
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            await file.WriteAsync(garbage, Token);
        }

        using var broken = await http.GetAsync("healthz", Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, broken.StatusCode);
        Assert.Contains("the database does not answer", await broken.Content.ReadAsStringAsync(Token));
    }
}
