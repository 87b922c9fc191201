using System.Net;
using AptP2P.Testing.Nodes;

namespace AptP2P.Tests.Packaging;

/// <summary><c>GET /healthz</c> on a real node: 200 while usable, 503 with the reason when the cache directory is gone.</summary>
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
}
