using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using AptP2P.Testing.Http;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.FixtureTests;

[Collection(MirrorCollection.Name)]
public sealed class DelayingMirrorTests(MirrorFixture fixture)
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(100);
    // Timers may fire a hair early relative to the stopwatch.
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(5);
    private readonly CancellationToken _cancellationToken = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Delaying_mirror_answers_pipelined_requests_in_order_after_its_latency()
    {
        await using var relay = DelayingMirror.StartInFrontOf(fixture.Mirror, Latency);

        var records = await SendPipelinedAsync(relay);

        Assert.All(records, r => Assert.True(r.ArrivedAt < records[0].ResponseStartedAt, "every request was in flight before the first response"));
        Assert.True(records[0].ResponseStartedAt - records[0].ArrivedAt >= Latency - Tolerance);
        for (var i = 1; i < records.Count; i++)
        {
            Assert.True(records[i].ResponseStartedAt - records[i - 1].ResponseEndedAt >= Latency - Tolerance,
                $"response {i + 1} started {(records[i].ResponseStartedAt - records[i - 1].ResponseEndedAt).TotalMilliseconds} ms after the previous one ended");
        }
    }

    [Fact]
    public async Task Delaying_mirror_in_arrival_mode_lets_pipelined_requests_share_the_latency()
    {
        var latency = TimeSpan.FromMilliseconds(200);
        await using var relay = DelayingMirror.StartInFrontOf(fixture.Mirror, latency, LatencyMode.FromArrival);

        var records = await SendPipelinedAsync(relay);

        Assert.All(records, r => Assert.True(r.ResponseStartedAt - r.ArrivedAt >= latency - Tolerance));
        // One after another (PerRequest) the third response would start two latencies after the first; counted from arrival
        // they start together (the spread is how far apart the requests arrived plus scheduling, never a latency).
        var spread = records[^1].ResponseStartedAt - records[0].ResponseStartedAt;
        Assert.True(spread < latency,
            $"the third response started {spread.TotalMilliseconds} ms after the first, expected well under one latency");
    }

    [Fact]
    public async Task Delaying_mirror_answers_502_when_the_upstream_is_down()
    {
        await using var relay = new DelayingMirror(new IPEndPoint(IPAddress.Loopback, FreePort.Pick()), TimeSpan.Zero);
        relay.Start();
        using var http = new HttpClient { BaseAddress = relay.BaseUri };

        using var first = await http.GetAsync("dists/stable/InRelease", _cancellationToken);
        using var second = await http.GetAsync("dists/stable/InRelease", _cancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, second.StatusCode);
        Assert.Empty(relay.Errors);
    }

    [Fact]
    public async Task Delaying_mirror_passes_range_and_validators_through()
    {
        await using var relay = DelayingMirror.StartInFrontOf(fixture.Mirror, TimeSpan.FromMilliseconds(10));
        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        var tree = fixture.Repository.Package("tree");
        var bytes = await File.ReadAllBytesAsync(fixture.Repository.PathOf(tree.PoolPath), _cancellationToken);

        using var full = await http.GetAsync(tree.PoolPath, _cancellationToken);
        var lastModified = full.Content.Headers.GetValues("Last-Modified").Single();
        using var resumed = await SendAsync(http, tree.PoolPath, request =>
        {
            request.Headers.Range = new RangeHeaderValue(20000, null);
            request.Headers.TryAddWithoutValidation("If-Range", lastModified);
        });
        using var stale = await SendAsync(http, tree.PoolPath, request =>
        {
            request.Headers.Range = new RangeHeaderValue(20000, null);
            request.Headers.TryAddWithoutValidation("If-Range", "Thu, 01 Jan 1998 00:00:00 GMT");
        });
        using var unchanged = await SendAsync(http, tree.PoolPath, request => request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified));

        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(bytes, await full.Content.ReadAsByteArrayAsync(_cancellationToken));
        Assert.Equal(tree.Size, full.Content.Headers.ContentLength);
        Assert.NotNull(full.Headers.ETag);
        Assert.Contains("bytes", full.Headers.AcceptRanges);
        Assert.NotNull(full.Content.Headers.ContentType);
        Assert.Equal(HttpStatusCode.PartialContent, resumed.StatusCode);
        Assert.Equal($"bytes 20000-{tree.Size - 1}/{tree.Size}", resumed.Content.Headers.ContentRange?.ToString());
        Assert.Equal(bytes[20000..], await resumed.Content.ReadAsByteArrayAsync(_cancellationToken));
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(bytes, await stale.Content.ReadAsByteArrayAsync(_cancellationToken));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
    }

    [Fact]
    public async Task Delaying_mirror_relays_chunked_responses_and_keeps_the_connection()
    {
        await using var relay = DelayingMirror.StartInFrontOf(fixture.Mirror, TimeSpan.FromMilliseconds(10));
        using var http = new HttpClient { BaseAddress = relay.BaseUri };

        // nginx sends directory listings chunked.
        using var listing = await http.GetAsync("pool/main/h/hello/", _cancellationToken);
        var after = await http.GetByteArrayAsync(fixture.Repository.Package("hello").PoolPath, _cancellationToken);

        Assert.True(listing.Headers.TransferEncodingChunked);
        Assert.Contains(Path.GetFileName(fixture.Repository.Package("hello").PoolPath), await listing.Content.ReadAsStringAsync(_cancellationToken), StringComparison.Ordinal);
        Assert.Equal(fixture.Repository.Package("hello").Size, after.Length);
        var records = await relay.WaitForRequestsAsync(2, TimeSpan.FromSeconds(5), _cancellationToken);
        Assert.Single(records.Select(r => r.ConnectionId).Distinct());
        Assert.Empty(relay.Errors);
    }

    [Fact]
    public async Task Delaying_mirror_relays_many_connections_at_once()
    {
        const int Connections = 16;
        var latency = TimeSpan.FromMilliseconds(300);
        await using var relay = DelayingMirror.StartInFrontOf(fixture.Mirror, latency);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Connections };
        using var http = new HttpClient(handler) { BaseAddress = relay.BaseUri };
        var hello = fixture.Repository.Package("hello");

        var stopwatch = Stopwatch.StartNew();
        var bodies = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => http.GetByteArrayAsync(hello.PoolPath, _cancellationToken)));
        var elapsed = stopwatch.Elapsed;

        Assert.All(bodies, body => Assert.Equal(hello.Size, body.Length));
        var records = await relay.WaitForRequestsAsync(Connections, TimeSpan.FromSeconds(5), _cancellationToken);
        Assert.Equal(Connections, records.Select(r => r.ConnectionId).Distinct().Count());
        Assert.True(elapsed < latency * Connections / 2, $"{Connections} requests took {elapsed.TotalMilliseconds:0} ms: not relayed concurrently");
        Assert.Empty(relay.Errors);
    }

    [Fact]
    public async Task Apt_pipelines_downloads_through_the_delaying_mirror()
    {
        var latency = TimeSpan.FromMilliseconds(30);
        await using var relay = DelayingMirror.StartInFrontOf(fixture.Mirror, latency);
        using var apt = fixture.CreateClient(relay.BaseUri);

        var update = await apt.UpdateAsync(_cancellationToken);
        var install = await apt.InstallDownloadOnlyAsync(["hello", "figlet", "tree", "fortune-mod", DebianRepository.BigPackageName], _cancellationToken);

        Assert.True(update.Succeeded, update.ToString());
        Assert.True(install.Succeeded, install.ToString());
        foreach (var package in fixture.Repository.Packages)
        {
            FileAssert.SameBytes(fixture.Repository.PathOf(package.PoolPath), apt.ArchivePathOf(package));
        }
        var debs = (await relay.WaitForRequestsAsync(r => r.Target.EndsWith(".deb", StringComparison.Ordinal), 7, TimeSpan.FromSeconds(5), _cancellationToken))
            .OrderBy(r => r.ArrivedAt).ToList();
        Assert.Equal(7, debs.Count);
        Assert.All(relay.Requests, r => Assert.True(r.ResponseStartedAt - r.ArrivedAt >= latency - Tolerance));
        // apt sends the first .deb alone, then pipelines the rest on the same connection.
        Assert.Contains(debs.Skip(1), r => debs.Any(earlier => earlier.RequestNumber < r.RequestNumber && earlier.ConnectionId == r.ConnectionId && r.ArrivedAt < earlier.ResponseStartedAt));
        Assert.Empty(relay.Errors);
    }

    /// <summary>Writes three GETs in one go over a raw socket, checks the responses come back in order, returns the relay's records.</summary>
    private async Task<IReadOnlyList<RelayedRequest>> SendPipelinedAsync(DelayingMirror relay)
    {
        string[] targets = ["/dists/stable/Release", "/" + fixture.Repository.Package("tree").PoolPath, "/" + fixture.Repository.Package("hello").PoolPath];
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, relay.Port), _cancellationToken);
        await using var stream = new NetworkStream(socket);

        await stream.WriteAsync(Encoding.ASCII.GetBytes(string.Concat(targets.Select(t => $"GET {t} HTTP/1.1\r\nHost: {relay.HostPort}\r\n\r\n"))), _cancellationToken);
        var reader = new HttpStreamReader(stream);
        foreach (var target in targets)
        {
            var head = await reader.ReadHeadAsync(_cancellationToken);
            Assert.NotNull(head);
            Assert.Equal(200, head.StatusCode);
            var body = await reader.ReadExactlyAsync((int)head.ContentLength!.Value, _cancellationToken);
            Assert.Equal(await File.ReadAllBytesAsync(fixture.Repository.PathOf(target.TrimStart('/')), _cancellationToken), body);
        }

        var records = await relay.WaitForRequestsAsync(targets.Length, TimeSpan.FromSeconds(5), _cancellationToken);
        Assert.Equal(targets, records.Select(r => r.Target));
        Assert.Equal([1, 2, 3], records.Select(r => r.RequestNumber));
        Assert.Single(records.Select(r => r.ConnectionId).Distinct());
        return records;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, Action<HttpRequestMessage> configure)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        configure(request);
        return await http.SendAsync(request, _cancellationToken);
    }
}
