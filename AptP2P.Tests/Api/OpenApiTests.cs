using System.Text.Json;

namespace AptP2P.Tests.Api;

public sealed class OpenApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Describes_every_endpoint_of_the_api()
    {
        using var client = factory.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), TestContext.Current.CancellationToken));

        var paths = document.RootElement.GetProperty("paths");
        string[][] expected =
        [
            ["/api/stats", "get"], ["/api/stats/throughput", "get"], ["/api/transfers", "get"], ["/api/peers", "get"],
            ["/api/cache", "get"], ["/api/cache/{sha256}", "get"], ["/api/cache/{sha256}", "delete"],
            ["/api/dht", "get"], ["/api/dht/peers/{key}", "get"], ["/api/settings", "get"], ["/api/settings", "put"],
            ["/api/archives", "get"],
            ["/api/discovery", "get"],
            ["/api/portmapping", "get"],
        ];
        foreach (var pair in expected)
            Assert.True(paths.TryGetProperty(pair[0], out var path) && path.TryGetProperty(pair[1], out _), $"{pair[1]} {pair[0]} is described");
        Assert.Equal(expected.Select(p => p[0]).Distinct().Count(), paths.EnumerateObject().Count());
        Assert.Equal("AptP2P", document.RootElement.GetProperty("info").GetProperty("title").GetString());
    }

    [Fact]
    public async Task Describes_bodies_problems_and_refusals()
    {
        using var client = factory.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), TestContext.Current.CancellationToken));
        var paths = document.RootElement.GetProperty("paths");

        var put = paths.GetProperty("/api/settings").GetProperty("put");
        Assert.Contains("SettingsDocument", put.GetProperty("requestBody").GetRawText(), StringComparison.Ordinal);
        var putResponses = put.GetProperty("responses");
        Assert.True(putResponses.TryGetProperty("200", out _));
        Assert.True(putResponses.TryGetProperty("400", out _));
        Assert.True(putResponses.TryGetProperty("403", out _));
        var delete = paths.GetProperty("/api/cache/{sha256}").GetProperty("delete").GetProperty("responses");
        Assert.True(delete.TryGetProperty("204", out _));
        Assert.Contains("problem+json", delete.GetProperty("403").GetRawText(), StringComparison.Ordinal);
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("NodeStatistics", out _));
        Assert.True(schemas.TryGetProperty("TransferStatus", out _));
    }
}
