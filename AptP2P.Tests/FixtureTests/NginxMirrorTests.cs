using System.Net;
using AptP2P.Testing.Mirrors;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.FixtureTests;

[Collection(MirrorCollection.Name)]
public sealed class NginxMirrorTests(MirrorFixture fixture)
{
    private readonly CancellationToken _cancellationToken = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Server_config_snippets_shape_the_mirror()
    {
        await using var mirror = new NginxMirror(fixture.Repository.Root,
        [
            "location /redirect/ { return 301 /dists/stable/InRelease; }",
            "location /pool/main/t/ { return 404; }",
        ]);
        await mirror.StartAsync(_cancellationToken);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = mirror.BaseUri };

        using var redirect = await http.GetAsync("redirect/x", _cancellationToken);
        using var gone = await http.GetAsync(fixture.Repository.Package("tree").PoolPath, _cancellationToken);
        using var served = await http.GetAsync(fixture.Repository.Package("hello").PoolPath, _cancellationToken);

        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal("/dists/stable/InRelease", redirect.Headers.Location?.AbsolutePath);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var log = await mirror.WaitForRequestsAsync(_ => true, 3, TimeSpan.FromSeconds(5), _cancellationToken);
        Assert.Equal([301, 404, 200], log.Select(e => e.Status));
        Assert.Equal(log[0].ConnectionId, log[2].ConnectionId);
        Assert.Equal([1, 2, 3], log.Select(e => e.ConnectionRequestNumber));
    }

    [Fact]
    public async Task Invalid_config_fails_start_with_nginx_own_message()
    {
        await using var mirror = new NginxMirror(fixture.Repository.Root, ["no_such_directive on;"]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => mirror.StartAsync(_cancellationToken));

        Assert.Contains("unknown directive \"no_such_directive\"", error.Message, StringComparison.Ordinal);
        Assert.False(mirror.IsRunning);
    }

    [Fact]
    public async Task Access_log_lines_carry_range_and_validators()
    {
        var hello = fixture.Repository.Package("hello");
        using var http = new HttpClient { BaseAddress = fixture.Mirror.BaseUri };
        fixture.Mirror.ClearAccessLog();
        using var request = new HttpRequestMessage(HttpMethod.Get, hello.PoolPath);
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, null);
        request.Headers.TryAddWithoutValidation("If-Range", "Thu, 01 Jan 1998 00:00:00 GMT");
        request.Headers.TryAddWithoutValidation("If-Modified-Since", "Fri, 02 Jan 1998 00:00:00 GMT");

        using var response = await http.SendAsync(request, _cancellationToken);

        var entry = Assert.Single(await fixture.Mirror.WaitForRequestsAsync(e => e.Path == "/" + hello.PoolPath, 1, TimeSpan.FromSeconds(5), _cancellationToken));
        Assert.Equal(("GET", "/" + hello.PoolPath, 200, hello.Size), (entry.Method, entry.Path, entry.Status, entry.BodyBytes));
        Assert.Equal("bytes=100-", entry.Range);
        Assert.Equal("Thu, 01 Jan 1998 00:00:00 GMT", entry.IfRange);
        Assert.Equal("Fri, 02 Jan 1998 00:00:00 GMT", entry.IfModifiedSince);
        Assert.Equal(fixture.Mirror.HostPort, entry.Host);
    }
}
