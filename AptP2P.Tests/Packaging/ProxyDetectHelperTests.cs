using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Nodes;
using AptP2P.Web.Cli;

namespace AptP2P.Tests.Packaging;

/// <summary>
/// The shipped <c>aptp2p-proxy-detect</c> that apt runs for every host: the node's address only while the node's
/// <c>/healthz</c> answers 200, <c>DIRECT</c> otherwise, and never more than about half a second.
/// </summary>
public sealed class ProxyDetectHelperTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Node_up_gives_its_proxy_address()
    {
        await using var node = await AptP2PNode.StartAsync();

        var (answer, _) = await DetectAsync(node.Port);

        Assert.Equal($"http://127.0.0.1:{node.Port}/", answer);
    }

    [Fact]
    public async Task Node_down_gives_direct_at_once()
    {
        var port = FreePort.Pick();

        var (answer, elapsed) = await DetectAsync(port);

        Assert.Equal("DIRECT", answer);
        Assert.True(elapsed < TimeSpan.FromSeconds(0.5), $"took {elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Node_that_accepts_but_never_answers_gives_direct_within_the_budget()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var accepted = new List<Socket>().AsDisposable();
        var accepting = Task.Run(async () =>
        {
            while (!Token.IsCancellationRequested)
                accepted.Items.Add(await silent.AcceptSocketAsync(Token));
        }, Token);

        var (answer, elapsed) = await DetectAsync(port);

        Assert.Equal("DIRECT", answer);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(1.5));
        Assert.NotEmpty(accepted.Items);
    }

    [Fact]
    public async Task Something_else_on_the_port_gives_direct()
    {
        // A web server that is not a healthy node (here: 404 for /healthz) must not become apt's proxy.
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            using var socket = await other.AcceptSocketAsync(Token);
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer, Token);
            await socket.SendAsync("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), Token);
        }, Token);

        var (answer, _) = await DetectAsync(port);

        Assert.Equal("DIRECT", answer);
        await serving;
    }

    private static async Task<(string Answer, TimeSpan Elapsed)> DetectAsync(int port)
    {
        Assert.True(File.Exists(AptConfSnippet.HelperPath), $"{AptConfSnippet.HelperPath} is not beside the binaries");
        var watch = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(
            new ProcessSpec(AptConfSnippet.HelperPath, ["http://deb.debian.org/debian"])
            {
                Environment = new Dictionary<string, string?> { ["APTP2P_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                Timeout = TimeSpan.FromSeconds(10),
            },
            Token);
        watch.Stop();
        return (result.StandardOutput.Trim(), watch.Elapsed);
    }
}

internal sealed class DisposableList<T>(List<T> items) : IDisposable where T : IDisposable
{
    public List<T> Items { get; } = items;

    public void Dispose()
    {
        foreach (var item in Items)
            item.Dispose();
    }
}

internal static class DisposableListExtensions
{
    public static DisposableList<T> AsDisposable<T>(this List<T> items) where T : IDisposable => new(items);
}
