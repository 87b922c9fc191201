using System.Text.Json.Serialization;
using AptP2P.Engine.Stats;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AptP2P.Tests.Api;

public sealed class StatsHubTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Streams_the_current_snapshot_then_updates()
    {
        var token = TestContext.Current.CancellationToken;
        var server = factory.Server;
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "hubs/stats"), o =>
            {
                o.HttpMessageHandlerFactory = _ => server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();
        await connection.StartAsync(token);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        stop.CancelAfter(TimeSpan.FromSeconds(30));
        var history = await connection.InvokeAsync<List<ThroughputSample>>("GetThroughputHistory", stop.Token);
        await using var stream = connection.StreamAsync<NodeStatistics>("Watch", stop.Token).GetAsyncEnumerator(stop.Token);

        Assert.NotEmpty(history);
        Assert.True(await stream.MoveNextAsync());
        Assert.Equal("0.1.0", stream.Current.Version);
        factory.Services.GetRequiredService<TrafficStatistics>().AddMirrorBytes(12345);
        factory.Services.GetRequiredService<StatisticsService>().Sample();
        while (await stream.MoveNextAsync() && stream.Current.Total.BytesFromMirror < 12345)
        {
        }
        Assert.True(stream.Current.Total.BytesFromMirror >= 12345);
    }
}
