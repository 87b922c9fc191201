using System.Net;
using System.Net.Sockets;
using AptP2P.Testing.Http;
using AptP2P.Testing.Nodes;

namespace AptP2P.Tests.Proxy;

/// <summary>A node on its own, no mirror needed: requests the proxy must refuse, each with a status apt understands and a reason.</summary>
public sealed class ProxyRefusalTests : IAsyncLifetime
{
    private AptP2PNode _node = null!;

    public async ValueTask InitializeAsync() => _node = await AptP2PNode.StartAsync();

    public async ValueTask DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    public async Task Methods_other_than_get_and_head_get_405(string method)
    {
        var response = await RawHttp.SendAsync(_node.BaseUri, method, "/deb.debian.org/debian/dists/bookworm/InRelease", extraHeaders: "Content-Length: 0\r\n");

        Assert.Equal(405, response.Status);
        Assert.Equal("GET, HEAD", response.Header("Allow"));
    }

    [Theory]
    [InlineData("get")]
    [InlineData("Get")]
    [InlineData("head")]
    public async Task Method_names_are_case_sensitive_so_lowercase_get_gets_405(string method)
    {
        // RFC 9110 §9.1: "get" is another method than GET, which the proxy does not offer.
        var response = await RawHttp.SendAsync(_node.BaseUri, method, "/deb.debian.org/debian/dists/bookworm/InRelease");

        Assert.Equal(405, response.Status);
        Assert.Equal("GET, HEAD", response.Header("Allow"));
        Assert.Contains($"method {method} is not supported", response.BodyText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("get", "/api/stats")]
    [InlineData("get", "/")]
    [InlineData("get", "/~/0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("post", "/api/settings")]
    public async Task Method_names_are_case_sensitive_on_the_nodes_other_doors_too(string method, string target)
    {
        var response = await RawHttp.SendAsync(_node.BaseUri, method, target);

        Assert.Equal(400, response.Status);
        Assert.Contains("case-sensitive", response.BodyText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "Content-Length: 5\r\n", "hello")]
    [InlineData("HEAD", "Content-Length: 5\r\n", "hello")]
    [InlineData("GET", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n")]
    public async Task A_request_body_on_get_or_head_gets_400_with_a_reason(string method, string header, string body)
    {
        await using var connection = await RawHttp.ConnectAsync(_node.BaseUri, cancellationToken: TestContext.Current.CancellationToken);
        await connection.WriteAsync($"{method} /deb.debian.org/debian/dists/bookworm/InRelease HTTP/1.1\r\nHost: x\r\n{header}\r\n{body}");

        var response = await connection.ReadResponseAsync(isHead: method == "HEAD", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(400, response.Status);
        if (method == "GET")
            Assert.Contains("request body", response.BodyText, StringComparison.Ordinal);
        Assert.Contains(_node.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Message.Contains("request body", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_empty_content_length_on_get_is_no_body()
    {
        // Some clients send "Content-Length: 0" on every request: nothing to refuse.
        var response = await RawHttp.SendAsync(_node.BaseUri, "GET", $"/127.0.0.1:{_node.Port}/dists/stable/InRelease", extraHeaders: "Content-Length: 0\r\n");

        Assert.Equal(403, response.Status);
    }

    [Fact]
    public async Task A_connect_to_a_host_not_in_allowed_tunnels_is_refused_with_403_and_the_cached_alternative()
    {
        // As apt and curl send it through a proxy: the Host header repeats the authority-form target.
        await using var connection = await RawHttp.ConnectAsync(_node.BaseUri, cancellationToken: TestContext.Current.CancellationToken);
        await connection.WriteAsync("CONNECT deb.debian.org:443 HTTP/1.1\r\nHost: deb.debian.org:443\r\n\r\n");

        var response = await connection.ReadResponseAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(403, response.Status);
        Assert.StartsWith("403 Forbidden: CONNECT to deb.debian.org:443 is not offered", response.BodyText, StringComparison.Ordinal);
        Assert.Contains("/HTTPS///", response.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connect_whose_host_header_names_another_authority_gets_kestrels_400()
    {
        // RFC 9112 §3.2.3: for an authority-form target the Host header must be that authority; Kestrel refuses before the node.
        var response = await RawHttp.SendAsync(_node.BaseUri, "CONNECT", "deb.debian.org:443");

        Assert.Equal(400, response.Status);
        Assert.DoesNotContain(_node.Logs.Lines, l => l.Message.Contains("Refused CONNECT", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/127.0.0.1:18080/../../../../etc/passwd")]
    [InlineData("/127.0.0.1:18080/dists/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/127.0.0.1:18080/dists/..%2f..%2fetc/passwd")]
    [InlineData("/127.0.0.1:18080/pool%2fmain/x.deb")]
    [InlineData("/127.0.0.1:18080/pool%5cmain/x.deb")]
    [InlineData("/127.0.0.1:18080/pool/x%0d%0a.deb")]
    [InlineData("/user@127.0.0.1:18080/dists/stable/InRelease")]
    [InlineData("/127.0.0.1:99999/dists/stable/InRelease")]
    public async Task Hostile_targets_get_400_with_a_reason(string target)
    {
        var response = await RawHttp.SendAsync(_node.BaseUri, "GET", target);

        Assert.Equal(400, response.Status);
        Assert.StartsWith("400 Bad Request: ", response.BodyText, StringComparison.Ordinal);
        Assert.Contains(_node.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Message.Contains("Refused GET", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/127.0.0.1:18080/pool/x%00.deb")]
    [InlineData("https://deb.debian.org/debian/dists/bookworm/InRelease")]
    public async Task Targets_kestrel_itself_rejects_get_400(string target)
    {
        // Kestrel refuses these before any middleware runs (a decoded NUL; an https absolute-form target).
        var response = await RawHttp.SendAsync(_node.BaseUri, "GET", target);
        Assert.Equal(400, response.Status);
    }

    [Fact]
    public async Task Over_long_targets_get_414()
    {
        var response = await RawHttp.SendAsync(_node.BaseUri, "GET", "/h.example/" + new string('a', 3000));
        Assert.Equal(414, response.Status);
    }

    [Fact]
    public async Task The_node_never_proxies_to_its_own_port()
    {
        var response = await RawHttp.SendAsync(_node.BaseUri, "GET", $"/127.0.0.1:{_node.Port}/dists/stable/InRelease");

        Assert.Equal(403, response.Status);
        Assert.Contains("own port", response.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_mirror_gives_502_which_apt_retries()
    {
        var closedPort = FreeTcpPort();
        var response = await RawHttp.SendAsync(_node.BaseUri, "GET", $"/127.0.0.1:{closedPort}/dists/stable/InRelease");

        Assert.Equal(502, response.Status);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task The_dashboard_root_is_not_proxied(string method)
    {
        var response = await RawHttp.SendAsync(_node.BaseUri, method, "/");
        Assert.Equal(200, response.Status);
    }

    internal static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed class ProxyAccessTests
{
    [Fact]
    public async Task Clients_outside_AllowedClients_get_403()
    {
        await using var node = await AptP2PNode.StartAsync(bindAddress: "0.0.0.0", settings: ["AptP2P:AllowedClients:0=127.0.0.1/32"]);
        var server = new Uri($"http://127.0.0.1:{node.Port}/");

        var outsider = await RawHttp.SendAsync(server, "GET", "/deb.debian.org/debian/dists/bookworm/InRelease", IPAddress.Parse("127.0.0.2"));

        Assert.Equal(403, outsider.Status);
        Assert.Contains("AllowedClients", outsider.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mirrors_outside_AllowedMirrors_get_403()
    {
        await using var node = await AptP2PNode.StartAsync(settings: ["AptP2P:AllowedMirrors:0=deb.debian.org"]);

        var response = await RawHttp.SendAsync(node.BaseUri, "GET", "/evil.example/debian/dists/bookworm/InRelease");

        Assert.Equal(403, response.Status);
        Assert.Contains("AllowedMirrors", response.BodyText, StringComparison.Ordinal);
    }
}
