using System.Net.Http.Json;
using System.Text.Json;
using AptP2P.Testing.Http;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Proxy;

/// <summary>
/// An https mirror through the node in apt-cacher-ng's form (<c>http://node/HTTPS///host:port/path</c>): a real nginx with
/// TLS and a certificate of the test's own authority, a real node process that trusts that authority through
/// <c>SSL_CERT_FILE</c> (or does not), and a real apt-get.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class HttpsMirrorTests(MirrorFixture fixture) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] InstallSet = ["hello", "figlet", DebianRepository.BigPackageName];

    private TestCertificateAuthority _authority = null!;
    private NginxMirror _mirror = null!;

    public async ValueTask InitializeAsync()
    {
        _authority = TestCertificateAuthority.Create();
        _mirror = new NginxMirror(fixture.Repository.Root,
            ["location /to-http/ { return 301 http://127.0.0.1:9/; }"])
        { Tls = _authority };
        await _mirror.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _mirror.DisposeAsync();
        _authority.Dispose();
    }

    [Fact]
    public async Task Apt_installs_and_fetches_sources_from_an_https_mirror_through_the_node_and_a_second_client_gets_the_packages_from_its_cache()
    {
        await using var node = await StartNodeAsync(trusting: true);
        var prefix = new Uri($"{node.BaseUri}HTTPS///{_mirror.HostPort}/");

        using (var first = fixture.CreateClient(prefix))
        {
            AssertSucceeded(await first.UpdateAsync(Ct), node);
            AssertSucceeded(await first.InstallDownloadOnlyAsync(InstallSet), node);
            foreach (var name in InstallSet)
            {
                var package = fixture.Repository.Package(name);
                AptThroughProxyTests.AssertSameFile(fixture.Repository.PathOf(package.PoolPath), first.ArchivePathOf(package));
            }
            var sources = Directory.CreateTempSubdirectory("aptp2p-src-").FullName;
            try
            {
                AssertSucceeded(await first.SourceDownloadOnlyAsync(fixture.Repository.SourcePackageName, sources, Ct), node);
                foreach (var file in fixture.Repository.SourceFiles)
                    AptThroughProxyTests.AssertSameFile(fixture.Repository.PathOf(file), Path.Combine(sources, Path.GetFileName(file)));
            }
            finally
            {
                Directory.Delete(sources, recursive: true);
            }
        }
        _mirror.ClearAccessLog();

        using var second = fixture.CreateClient(prefix);
        AssertSucceeded(await second.UpdateAsync(Ct), node);
        AssertSucceeded(await second.InstallDownloadOnlyAsync(InstallSet), node);

        var fromMirror = _mirror.ReadAccessLog().Where(e => e.Path.Contains("/pool/", StringComparison.Ordinal)).Select(e => e.Path).ToList();
        Assert.True(fromMirror.Count == 0, $"the second client's packages came from the mirror again: {string.Join(", ", fromMirror)}\n{node}");
        // The hashes were learned from the https mirror's index: the big package is in the cache, verified, under its https key.
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        var cached = await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/cache/{fixture.Repository.BigPackage.Sha256}", UriKind.Relative), Ct);
        Assert.Contains($"https://{_mirror.HostPort}/{fixture.Repository.BigPackage.PoolPath}", cached.GetRawText(), StringComparison.Ordinal);
        Assert.True(cached.GetProperty("verified").GetBoolean(), cached.GetRawText());
    }

    [Fact]
    public async Task An_untrusted_certificate_is_a_502_that_says_why_and_never_a_fallback_to_http()
    {
        await using var node = await StartNodeAsync(trusting: false);

        var response = await RawHttp.SendAsync(node.BaseUri, "GET", $"/HTTPS///{_mirror.HostPort}/dists/{fixture.Repository.Suite}/InRelease");

        Assert.Equal(502, response.Status);
        Assert.Contains($"TLS with https://{_mirror.HostPort} failed", response.BodyText, StringComparison.Ordinal);
        // The log line is read from the node's output, which may reach the test a moment after the answer.
        // The mirror client's own line carries the same words at information level; the proxy's warning carries the status.
        await node.WaitForOutputAsync($"answering 502 (TLS with https://{_mirror.HostPort} failed", TimeSpan.FromSeconds(10), Ct);
        Assert.Empty(_mirror.ReadAccessLog());
    }

    [Fact]
    public async Task An_authority_in_a_directory_named_by_ssl_cert_dir_is_trusted_as_openssl_trusts_it()
    {
        var directory = Directory.CreateTempSubdirectory("aptp2p-certs-").FullName;
        try
        {
            File.Copy(_authority.AuthorityPath, Path.Combine(directory, "test-authority.pem"));
            await using var node = await NodeProcess.StartAsync(new NodeProcessOptions
            {
                Port = FreePort.Pick(),
                Environment = new Dictionary<string, string> { ["SSL_CERT_DIR"] = directory },
            }, Ct);

            var response = await RawHttp.SendAsync(node.BaseUri, "GET", $"/HTTPS///{_mirror.HostPort}/dists/{fixture.Repository.Suite}/InRelease");

            Assert.True(response.Status == 200, $"{response.Status}: {response.BodyText}\n{node}");
            Assert.Equal(File.ReadAllBytes(Path.Combine(fixture.Repository.Root, "dists", fixture.Repository.Suite, "InRelease")), response.Body);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(ServerCertificateKind.WrongName)]
    [InlineData(ServerCertificateKind.Expired)]
    // A valid certificate from an authority the node is not told to trust: an unknown CA.
    [InlineData(ServerCertificateKind.Valid)]
    public async Task A_certificate_for_another_name_an_expired_one_or_one_from_an_unknown_authority_fails_apt_clearly_and_is_logged(ServerCertificateKind kind)
    {
        using var authority = TestCertificateAuthority.Create(kind);
        await using var mirror = new NginxMirror(fixture.Repository.Root) { Tls = authority };
        await mirror.StartAsync(Ct);
        await using var node = await NodeProcess.StartAsync(new NodeProcessOptions
        {
            Port = FreePort.Pick(),
            Environment = kind == ServerCertificateKind.Valid ? new Dictionary<string, string>() : new Dictionary<string, string> { ["SSL_CERT_FILE"] = authority.AuthorityPath },
        }, Ct);
        using var apt = fixture.CreateClient(new Uri($"{node.BaseUri}HTTPS///{mirror.HostPort}/"));

        var result = await apt.UpdateAsync(Ct);

        // apt update ends 0 with a warning for an index it could not fetch; the warning is what the user sees.
        Assert.Contains($"W: Failed to fetch {apt.BaseUris[0]}dists/{fixture.Repository.Suite}/InRelease  502  Bad Gateway", result.Output, StringComparison.Ordinal);
        var logged = await node.WaitForOutputAsync($"TLS with https://{mirror.HostPort} failed", TimeSpan.FromSeconds(10), Ct);
        var cause = kind switch
        {
            ServerCertificateKind.WrongName => "RemoteCertificateNameMismatch",
            ServerCertificateKind.Expired => "NotTimeValid",
            _ => "errors in the certificate chain",
        };
        Assert.Contains(cause, logged, StringComparison.Ordinal);
        Assert.Empty(mirror.ReadAccessLog());
    }

    [Fact]
    public async Task A_second_node_gets_the_packages_of_an_https_mirror_from_the_first_and_none_from_the_mirror()
    {
        var port = FreePort.Pick(System.Net.IPAddress.Parse("127.0.0.2"));
        await using var holder = await StartNodeAsync(trusting: true, bindAddress: "127.0.0.2", port: port);
        await using var seeker = await StartNodeAsync(trusting: true, [$"AptP2P:Dht:BootstrapNodes:0=127.0.0.2:{port}"], "127.0.0.3");
        using var holderApt = fixture.CreateClient(new Uri($"{holder.BaseUri}HTTPS///{_mirror.HostPort}/"));
        AssertSucceeded(await holderApt.UpdateAsync(Ct), holder);
        AssertSucceeded(await holderApt.InstallDownloadOnlyAsync(InstallSet), holder);
        await seeker.WaitUntilFindsAsync($"127.0.0.2:{port}", Directory.GetFiles(holderApt.ArchivesDirectory, "*.deb").Select(AptThroughProxyTests.Sha256Of), TimeSpan.FromSeconds(45), Ct);
        _mirror.ClearAccessLog();

        using var seekerApt = fixture.CreateClient(new Uri($"{seeker.BaseUri}HTTPS///{_mirror.HostPort}/"));
        AssertSucceeded(await seekerApt.UpdateAsync(Ct), seeker);
        AssertSucceeded(await seekerApt.InstallDownloadOnlyAsync(InstallSet), seeker);

        var fromMirror = _mirror.ReadAccessLog().Where(e => e.Path.Contains("/pool/", StringComparison.Ordinal)).Select(e => e.Path).ToList();
        Assert.True(fromMirror.Count == 0, $"the seeker asked the https mirror for {string.Join(", ", fromMirror)}\n{seeker}");
        foreach (var name in InstallSet)
        {
            var package = fixture.Repository.Package(name);
            AptThroughProxyTests.AssertSameFile(fixture.Repository.PathOf(package.PoolPath), seekerApt.ArchivePathOf(package));
        }
    }

    [Fact]
    public async Task A_redirect_from_https_to_http_is_not_followed_and_allowed_mirrors_apply_to_https_hosts()
    {
        await using var node = await StartNodeAsync(trusting: true, ["AptP2P:AllowedMirrors:0=127.0.0.1"]);

        var downgraded = await RawHttp.SendAsync(node.BaseUri, "GET", $"/HTTPS///{_mirror.HostPort}/to-http/x.deb");
        var refused = await RawHttp.SendAsync(node.BaseUri, "GET", $"/HTTPS///localhost:{_mirror.Port}/dists/{fixture.Repository.Suite}/InRelease");

        Assert.Equal(502, downgraded.Status);
        Assert.Contains("redirect from https to http", downgraded.BodyText, StringComparison.Ordinal);
        Assert.Equal(403, refused.Status);
        Assert.Contains("AllowedMirrors", refused.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_http_proxy_mode_a_connect_to_an_allowed_host_is_an_opaque_tunnel_and_other_hosts_get_403()
    {
        await using var node = await StartNodeAsync(trusting: false, [$"AptP2P:AllowedTunnels:0=127.0.0.1:{_mirror.Port}"]);
        string[] throughProxy = [$"Acquire::https::Proxy \"{node.BaseUri}\";", $"Acquire::https::CaInfo \"{_authority.AuthorityPath}\";"];
        using var tunnelled = fixture.CreateClient(_mirror.BaseUri, throughProxy);

        AssertSucceeded(await tunnelled.UpdateAsync(Ct), node);
        AssertSucceeded(await tunnelled.InstallDownloadOnlyAsync("hello"), node);

        var hello = fixture.Repository.Package("hello");
        AptThroughProxyTests.AssertSameFile(fixture.Repository.PathOf(hello.PoolPath), tunnelled.ArchivePathOf(hello));
        Assert.Contains(_mirror.ReadAccessLog(), e => e.Path.EndsWith(hello.PoolPath, StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{_mirror.Port}", await node.WaitForOutputAsync("CONNECT tunnel from", TimeSpan.FromSeconds(10), Ct), StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        using var cached = await http.GetAsync(new Uri($"/api/cache/{hello.Sha256}", UriKind.Relative), Ct);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, cached.StatusCode);

        using var refused = fixture.CreateClient(new Uri($"https://localhost:{_mirror.Port}/"), throughProxy);
        var result = await refused.UpdateAsync(Ct);
        Assert.Contains("403", result.Output, StringComparison.Ordinal);
        await node.WaitForOutputAsync("Refused CONNECT localhost:", TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task A_tunnel_to_an_allowed_host_that_refuses_the_connection_is_a_502_with_the_reason()
    {
        var closed = FreePort.Pick();
        await using var node = await StartNodeAsync(trusting: false, [$"AptP2P:AllowedTunnels:0=127.0.0.1:{closed}"]);
        await using var connection = await RawHttp.ConnectAsync(node.BaseUri, cancellationToken: Ct);
        await connection.WriteAsync($"CONNECT 127.0.0.1:{closed} HTTP/1.1\r\nHost: 127.0.0.1:{closed}\r\n\r\n");

        var response = await connection.ReadResponseAsync(cancellationToken: Ct);

        Assert.Equal(502, response.Status);
        Assert.StartsWith($"502 Bad Gateway: CONNECT 127.0.0.1:{closed}: Connection refused", response.BodyText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("deb.example.org", "deb.example.org", 443, true)]
    [InlineData("deb.example.org", "deb.example.org", 8443, false)]
    [InlineData("deb.example.org:8443", "deb.example.org", 8443, true)]
    [InlineData("*.example.org", "deb.example.org", 443, true)]
    [InlineData("*.example.org", "example.org", 443, false)]
    [InlineData("other.example", "deb.example.org", 443, false)]
    public void Allowed_tunnels_name_hosts_on_443_unless_a_port_is_given(string pattern, string host, int port, bool allowed) =>
        Assert.Equal(allowed, Web.Proxy.ConnectTunnel.IsListed([pattern], host, port));

    private Task<NodeProcess> StartNodeAsync(bool trusting, string[]? settings = null, string bindAddress = "127.0.0.1", int? port = null) =>
        NodeProcess.StartAsync(new NodeProcessOptions
        {
            BindAddress = bindAddress,
            Port = port ?? FreePort.Pick(System.Net.IPAddress.Parse(bindAddress)),
            Settings = settings ?? [],
            Environment = trusting ? new Dictionary<string, string> { ["SSL_CERT_FILE"] = _authority.AuthorityPath } : new Dictionary<string, string>(),
        }, Ct);

    private static void AssertSucceeded(Testing.Apt.AptResult result, NodeProcess node) =>
        Assert.True(result.Succeeded, $"apt-get failed: {result}\n{node}");
}
