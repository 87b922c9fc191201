using System.Globalization;
using System.Security.Cryptography;
using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Proxy;
using AptP2P.Engine.Transfers;
using AptP2P.Testing.Http;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Proxy;

/// <summary>HTTP behaviour apt relies on, checked on the wire against a real node and the real nginx mirror.</summary>
[Collection(MirrorCollection.Name)]
public sealed class ProxyBehaviourTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Twenty_simultaneous_requests_for_one_file_make_one_mirror_request_and_twenty_identical_bodies()
    {
        await using var node = await AptP2PNode.StartAsync();
        await UpdateThroughAsync(node);
        var big = fixture.Repository.BigPackage;
        fixture.Mirror.ClearAccessLog();

        var bodies = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            RawHttp.SendAsync(node.BaseUri, "GET", $"/{fixture.Mirror.HostPort}/{big.PoolPath}")));

        Assert.All(bodies, b =>
        {
            Assert.Equal(200, b.Status);
            Assert.Equal(big.Sha256, Convert.ToHexStringLower(SHA256.HashData(b.Body)));
        });
        Assert.Equal(1, fixture.Mirror.CountRequests(e => e.Path.EndsWith(Path.GetFileName(big.PoolPath), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_transfer_never_runs_on_the_thread_that_starts_it()
    {
        // A mirror request to this node's own port is refused without a single wait: run on the caller's thread, the whole
        // transfer (down to its "Fetched" log line) would be over before GetOrStart returned, just as a download whose bytes
        // already wait in the socket would be copied whole before the request that started it could open its reader.
        await using var node = await AptP2PNode.StartAsync();
        var url = ProxyTargetParser.Parse($"/{node.BaseUri.Authority}/pool/main/x/x_1_all.deb").Url!;
        var transfers = node.Get<TransferCoordinator>();
        var started = new List<Transfer>();
        var caller = new Thread(() =>
        {
            for (var attempt = 0; attempt < 3; attempt++)
                started.Add(transfers.GetOrStart(url, ContentHash.Compute(Guid.NewGuid().ToByteArray()), 1000));
        });
        caller.Start();
        caller.Join();

        foreach (var transfer in started)
            Assert.Equal(TransferResult.Failed, await transfer.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        // The line is written just after the transfer ends.
        var finished = await node.Logs.WaitForAsync($"Fetched {url.Key}", 3, TimeSpan.FromSeconds(10));
        Assert.Equal(3, finished.Count);
        Assert.All(finished, line => Assert.NotEqual(caller.ManagedThreadId, line.ThreadId));
    }

    [Fact]
    public async Task Many_simultaneous_first_requests_for_index_files_all_succeed()
    {
        // Readers arriving while a transfer moves its file into the cache must find it there, never a missing partial file.
        await using var node = await AptP2PNode.StartAsync();
        string[] files = ["dists/stable/InRelease", "dists/stable/Release", "dists/stable/Release.gpg", "dists/stable/main/binary-amd64/Packages",
            "dists/stable/main/binary-amd64/Packages.gz", "dists/stable/main/binary-amd64/Packages.xz", "dists/stable/main/i18n/Translation-en"];

        var responses = await Task.WhenAll(files.SelectMany(f => Enumerable.Range(0, 25).Select(async i =>
        {
            await Task.Yield();
            return (File: f, Response: await RawHttp.SendAsync(node.BaseUri, "GET", $"/{fixture.Mirror.HostPort}/{f}"));
        })));

        foreach (var (file, response) in responses)
        {
            Assert.Equal(200, response.Status);
            Assert.Equal(await File.ReadAllBytesAsync(fixture.Repository.PathOf(file), Ct), response.Body);
        }
        Assert.DoesNotContain(node.Logs.Lines, l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task Resume_gives_206_when_If_Range_matches_and_the_whole_file_when_it_does_not()
    {
        await using var node = await AptP2PNode.StartAsync();
        await UpdateThroughAsync(node);
        var hello = fixture.Repository.Package("hello");
        var target = $"/{fixture.Mirror.HostPort}/{hello.PoolPath}";
        Assert.Equal(200, (await RawHttp.SendAsync(node.BaseUri, "GET", target)).Status);
        // A cold transfer answers before the mirror has (no date yet); from the cache the mirror's Last-Modified is replayed.
        var cached = await RawHttp.SendAsync(node.BaseUri, "HEAD", target);
        var lastModified = cached.Header("Last-Modified");
        Assert.NotNull(lastModified);
        var original = await File.ReadAllBytesAsync(fixture.Repository.PathOf(hello.PoolPath), Ct);

        var matching = await RawHttp.SendAsync(node.BaseUri, "GET", target, extraHeaders: $"Range: bytes=20000-\r\nIf-Range: {lastModified}\r\n");
        var stale = await RawHttp.SendAsync(node.BaseUri, "GET", target, extraHeaders: "Range: bytes=20000-\r\nIf-Range: Tue, 01 Jan 2019 00:00:00 GMT\r\n");
        var beyond = await RawHttp.SendAsync(node.BaseUri, "GET", target, extraHeaders: $"Range: bytes={hello.Size}-\r\n");

        Assert.Equal(206, matching.Status);
        Assert.Equal($"bytes 20000-{hello.Size - 1}/{hello.Size}", matching.Header("Content-Range"));
        Assert.Equal(original.AsSpan(20000).ToArray(), matching.Body);
        Assert.Equal(200, stale.Status);
        Assert.Equal(original, stale.Body);
        Assert.Equal(416, beyond.Status);
        Assert.Equal($"bytes */{hello.Size}", beyond.Header("Content-Range"));
    }

    [Fact]
    public async Task Index_files_answer_If_Modified_Since_with_304_when_unchanged()
    {
        await using var node = await AptP2PNode.StartAsync();
        var target = $"/{fixture.Mirror.HostPort}/dists/stable/InRelease";
        var first = await RawHttp.SendAsync(node.BaseUri, "GET", target);
        Assert.Equal(200, first.Status);

        var again = await RawHttp.SendAsync(node.BaseUri, "GET", target, extraHeaders: $"If-Modified-Since: {first.Header("Last-Modified")}\r\n");
        var older = await RawHttp.SendAsync(node.BaseUri, "GET", target, extraHeaders: "If-Modified-Since: Tue, 01 Jan 2019 00:00:00 GMT\r\n");

        Assert.Equal(304, again.Status);
        Assert.Empty(again.Body);
        Assert.Equal(200, older.Status);
        Assert.Equal(first.Body, older.Body);
    }

    [Fact]
    public async Task Upstream_404_passes_as_404_so_apt_can_fall_back()
    {
        await using var node = await AptP2PNode.StartAsync();

        var missing = await RawHttp.SendAsync(node.BaseUri, "GET", $"/{fixture.Mirror.HostPort}/dists/stable/no-such-file");
        var missingByHash = await RawHttp.SendAsync(node.BaseUri, "GET", $"/{fixture.Mirror.HostPort}/dists/stable/main/binary-amd64/by-hash/SHA256/{new string('a', 64)}");

        Assert.Equal(404, missing.Status);
        Assert.Equal(404, missingByHash.Status);
    }

    [Fact]
    public async Task Mirror_redirects_are_followed_by_the_proxy_up_to_five_hops()
    {
        await using var mirror = new NginxMirror(fixture.Repository.Root,
        [
            "location /moved/ { rewrite ^/moved/(.*)$ /hop1/$1 permanent; }",
            "location /hop1/ { rewrite ^/hop1/(.*)$ /$1 redirect; }",
            "location /loop/ { return 302 /loop/again; }",
        ]);
        await mirror.StartAsync(Ct);
        await using var node = await AptP2PNode.StartAsync();
        var expected = await File.ReadAllBytesAsync(fixture.Repository.PathOf("dists/stable/InRelease"), Ct);

        var followed = await RawHttp.SendAsync(node.BaseUri, "GET", $"/{mirror.HostPort}/moved/dists/stable/InRelease");
        var looping = await RawHttp.SendAsync(node.BaseUri, "GET", $"/{mirror.HostPort}/loop/dists/stable/InRelease");

        Assert.Equal(200, followed.Status);
        Assert.Equal(expected, followed.Body);
        Assert.Equal(502, looping.Status);
        Assert.Contains("redirects", looping.BodyText, StringComparison.Ordinal);
        // nginx logs a request once its response is out: the proxy may have given up on the sixth before its line is written.
        var loops = await mirror.WaitForRequestsAsync(e => e.Path.StartsWith("/loop/", StringComparison.Ordinal), 6, TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(6, loops.Count);
    }

    [Fact]
    public async Task A_redirect_to_this_nodes_own_port_is_refused()
    {
        await using var node = await AptP2PNode.StartAsync();
        await using var mirror = new NginxMirror(fixture.Repository.Root, [$"location /self/ {{ return 302 http://127.0.0.1:{node.Port}/x; }}"]);
        await mirror.StartAsync(Ct);

        var response = await RawHttp.SendAsync(node.BaseUri, "GET", $"/{mirror.HostPort}/self/InRelease");

        Assert.Equal(403, response.Status);
        Assert.Contains("own port", response.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_whose_hash_does_not_match_is_cut_off_before_its_last_bytes()
    {
        await using var node = await AptP2PNode.StartAsync();
        await UpdateThroughAsync(node);
        var tree = fixture.Repository.Package("tree");
        using var corrupted = fixture.Repository.CorruptFile(tree.PoolPath);
        await using var connection = await RawHttp.ConnectAsync(node.BaseUri, cancellationToken: Ct);

        await connection.WriteAsync($"GET /{fixture.Mirror.HostPort}/{tree.PoolPath} HTTP/1.1\r\nHost: x\r\n\r\n");

        // Headers promise the full length; the body is cut short, which apt treats as a transient error and retries.
        await Assert.ThrowsAnyAsync<IOException>(() => connection.ReadResponseAsync(cancellationToken: Ct));
        Assert.False(node.Get<ContentStore>().Contains(ContentHash.Parse(tree.Sha256)));
    }

    [Fact]
    public async Task A_mirror_file_whose_size_differs_from_the_index_is_never_started_towards_apt()
    {
        await using var mirror = new NginxMirror(fixture.Repository.Root, ["location = /wrong-size.deb { return 200 'short'; }"]);
        await mirror.StartAsync(Ct);
        await using var node = await AptP2PNode.StartAsync();
        using (var apt = fixture.CreateClient(new Uri(node.PrefixFor(mirror.HostPort))))
            AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), node);
        var hello = fixture.Repository.Package("hello");
        var url = ProxyTargetParser.Parse($"/{mirror.HostPort}/{hello.PoolPath}").Url!;
        var known = node.Get<HashIndex>().Find(url)!.Value;
        var wrongUrl = ProxyTargetParser.Parse($"/{mirror.HostPort}/wrong-size.deb").Url!;
        node.Get<HashIndex>().Add(wrongUrl.Authority, wrongUrl.Path, known.Hash, known.Size!.Value);

        await using var connection = await RawHttp.ConnectAsync(node.BaseUri, cancellationToken: Ct);
        await connection.WriteAsync($"GET /{mirror.HostPort}/wrong-size.deb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawResponse? response = null;
        try
        {
            response = await connection.ReadHeadThenAllAsync(TimeSpan.FromSeconds(30), Ct);
        }
        catch (IOException)
        {
            // Reset before the status line arrived: apt retries that like a cut body.
        }

        // Either the mirror's answer was known first (502), or the headers were already out and the connection is cut:
        // in every case not one byte of the mirror's wrong body reaches apt.
        if (response is not null)
        {
            Assert.True(response.Status is 502 or 200, $"status {response.Status}");
            if (response.Status == 200)
                Assert.Empty(response.Body);
        }
        await node.Logs.WaitForAsync("the archive metadata says", TimeSpan.FromSeconds(10));
    }

    private async Task UpdateThroughAsync(AptP2PNode node)
    {
        using var apt = fixture.CreateClient(new Uri(node.PrefixFor(fixture.Mirror.HostPort)));
        AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), node);
    }

    internal static string Http(DateTimeOffset date) => date.ToString("r", CultureInfo.InvariantCulture);
}
