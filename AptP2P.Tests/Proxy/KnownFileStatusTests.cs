using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Proxy;
using AptP2P.Testing.Http;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Proxy;

/// <summary>
/// A file whose hash and size the index knows gets the status its first source gave, when that source answers within the
/// status wait: the mirror's 404 stays 404, an unreachable mirror is 502, one silent past its stall timeout 504.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class KnownFileStatusTests(MirrorFixture fixture)
{
    private const long Size = 4321;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_known_file_the_mirror_answers_404_reaches_apt_as_404_with_the_reason()
    {
        await using var node = await AptP2PNode.StartAsync();
        var target = Index(node, fixture.Mirror.HostPort, "pool/main/g/gone/gone_1.0_all.deb");

        var response = await RawHttp.SendAsync(node.BaseUri, "GET", target);

        Assert.Equal(404, response.Status);
        Assert.Contains("mirror answered 404", response.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_known_file_on_a_mirror_that_refuses_connections_is_502()
    {
        await using var node = await AptP2PNode.StartAsync();
        var target = Index(node, $"127.0.0.1:{FreePort.Pick()}", "pool/main/g/gone/gone_1.0_all.deb");

        var response = await RawHttp.SendAsync(node.BaseUri, "GET", target);

        Assert.Equal(502, response.Status);
    }

    [Fact]
    public async Task A_known_file_on_a_silent_mirror_gets_200_and_its_length_once_the_status_wait_has_passed()
    {
        using var silent = new SilentServer();
        await using var node = await AptP2PNode.StartAsync(settings: "AptP2P:Mirror:StatusWaitMilliseconds=1000");
        var target = Index(node, silent.HostPort, "pool/main/s/slow/slow_1.0_all.deb");

        var clock = Stopwatch.StartNew();
        var head = await ReadHeadAsync(node.BaseUri, target);

        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains($"Content-Length: {Size.ToString(CultureInfo.InvariantCulture)}\r\n", head, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_known_file_on_a_mirror_silent_past_its_stall_timeout_within_the_status_wait_is_504()
    {
        using var silent = new SilentServer();
        await using var node = await AptP2PNode.StartAsync(settings: ["AptP2P:Mirror:StallTimeoutSeconds=1", "AptP2P:Mirror:StatusWaitMilliseconds=5000"]);
        var target = Index(node, silent.HostPort, "pool/main/s/slow/slow_1.0_all.deb");

        var response = await RawHttp.SendAsync(node.BaseUri, "GET", target);

        Assert.Equal(504, response.Status);
    }

    [Fact]
    public async Task Apt_update_falls_back_to_the_plain_names_when_the_mirror_has_no_by_hash_files()
    {
        // A mirror mid-sync: the Release says Acquire-By-Hash: yes, but its by-hash files are not there (yet).
        await using var mirror = new NginxMirror(fixture.Repository.Root, ["location ~ /by-hash/ { return 404; }"]);
        await mirror.StartAsync(Ct);
        await using var node = await AptP2PNode.StartAsync();
        using var apt = fixture.CreateClient(new Uri(node.PrefixFor(mirror.HostPort)));

        var update = await apt.UpdateAsync(Ct);

        AptThroughProxyTests.AssertSucceeded(update, node);
        Assert.DoesNotContain("Err:", update.Output, StringComparison.Ordinal);
        var log = mirror.ReadAccessLog();
        Assert.Contains(log, e => e.Path.StartsWith("/dists/stable/main/binary-amd64/by-hash/SHA256/", StringComparison.Ordinal) && e.Status == 404);
        Assert.Contains(log, e => e.Path.StartsWith("/dists/stable/main/binary-amd64/Packages", StringComparison.Ordinal) && e.Status == 200);
    }

    private static string Index(AptP2PNode node, string hostPort, string path)
    {
        var url = ProxyTargetParser.Parse($"/{hostPort}/{path}").Url!;
        node.Get<HashIndex>().Add(url.Authority, url.Path, ContentHash.Compute(Encoding.ASCII.GetBytes(url.Key)), Size);
        return $"/{hostPort}/{path}";
    }

    /// <summary>Sends one GET and returns the response head as text, without waiting for any body byte.</summary>
    private static async Task<string> ReadHeadAsync(Uri server, string target)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n"), Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (!Encoding.ASCII.GetString([.. received]).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, timeout.Token);
            if (n == 0)
                throw new IOException("connection closed before the end of the response head");
            received.AddRange(buffer.AsSpan(0, n));
        }
        return Encoding.ASCII.GetString([.. received]);
    }

    /// <summary>A mirror that accepts connections and reads requests but never answers.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Socket> _held = [];

        public SilentServer()
        {
            _listener.Start();
            HostPort = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
            _ = AcceptAsync();
        }

        public string HostPort { get; }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    lock (_held)
                        _held.Add(socket);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_held)
                _held.ForEach(s => s.Dispose());
            _stop.Dispose();
        }
    }
}
