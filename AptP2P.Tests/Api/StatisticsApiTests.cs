using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AptP2P.Engine.Peers;
using AptP2P.Engine.Stats;
using Microsoft.Extensions.DependencyInjection;

namespace AptP2P.Tests.Api;

public sealed class StatisticsApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stats_give_traffic_cache_and_dht_at_a_glance()
    {
        factory.Services.GetRequiredService<TrafficStatistics>().AddPeerBytes(4096);
        factory.Services.GetRequiredService<StatisticsService>().Sample();

        using var stats = await GetJsonAsync("/api/stats");

        var root = stats.RootElement;
        Assert.Equal("0.1.0", root.GetProperty("version").GetString());
        Assert.True(root.GetProperty("total").GetProperty("bytesFromPeers").GetInt64() >= 4096);
        Assert.True(root.GetProperty("cache").GetProperty("sizeLimit").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("dht").ValueKind);
        Assert.Equal(40, root.GetProperty("dht").GetProperty("node").GetProperty("nodeId").GetString()!.Length);
    }

    [Fact]
    public async Task Throughput_history_is_a_list_of_samples()
    {
        using var history = await GetJsonAsync("/api/stats/throughput");

        var first = history.RootElement.EnumerateArray().First();
        Assert.True(first.TryGetProperty("fromPeers", out _));
        Assert.True(first.TryGetProperty("uploaded", out _));
    }

    [Fact]
    public async Task Transfers_list_running_and_recent_ones()
    {
        using var transfers = await GetJsonAsync("/api/transfers");

        Assert.Equal(JsonValueKind.Array, transfers.RootElement.GetProperty("active").ValueKind);
        Assert.Equal(JsonValueKind.Array, transfers.RootElement.GetProperty("recent").ValueKind);
    }

    [Fact]
    public async Task Peers_list_each_peer_with_its_score_and_bytes()
    {
        factory.Services.GetRequiredService<PeerScoreBoard>().RecordDownload(IPEndPoint.Parse("192.0.2.44:9977"), 1_000_000, TimeSpan.FromSeconds(1));
        factory.Services.GetRequiredService<StatisticsService>().Sample();

        var peers = await _client.GetFromJsonAsync<List<PeerStatus>>(new Uri("/api/peers", UriKind.Relative), Token);

        var peer = Assert.Single(peers!, p => p.Endpoint == "192.0.2.44:9977");
        Assert.Equal(1_000_000, peer.BytesDownloaded);
        Assert.InRange(peer.Score, 0.01, 1);
    }

    [Fact]
    public async Task Dht_statistics_come_from_the_dht_endpoint()
    {
        using var dht = await GetJsonAsync("/api/dht");

        Assert.Equal(40, dht.RootElement.GetProperty("nodeId").GetString()!.Length);
    }

    [Fact]
    public async Task An_unknown_api_route_is_a_problem_not_an_empty_404()
    {
        using var response = await _client.GetAsync(new Uri("/api/no-such-thing", UriKind.Relative), Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<JsonDocument> GetJsonAsync(string path)
    {
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative), Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token));
    }
}
