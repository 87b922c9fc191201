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

    [Fact]
    public async Task Without_APTP2P_PORT_the_port_comes_from_the_configuration_file()
    {
        // As apt runs it: no APTP2P_PORT, the node on a non-default port named in /etc/aptp2p/aptp2p.json (here another
        // file, named as the unit names it). Nested "Port" keys (local discovery's) and a comment mentioning one do not count.
        using var paths = TestPaths.Create("proxy-detect");
        await using var node = await AptP2PNode.StartAsync();
        var config = paths.PathOf("aptp2p.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "//": "the port is the \"Port\" key: { \"Port\": 1 }",
              "AptP2P": {
                "Discovery": { "Port": {{FreePort.Pick()}} },
                "Port": {{node.Port}},
                "AllowedClients": [ "127.0.0.0/8", "::1" ]
              }
            }
            """, Token);

        var (answer, _) = await DetectAsync(ConfigOnly(config, paths.CreateDirectory("data")));

        Assert.Equal($"http://127.0.0.1:{node.Port}/", answer);
    }

    [Fact]
    public async Task The_settings_forms_port_overrides_the_configuration_file_as_in_the_node()
    {
        using var paths = TestPaths.Create("proxy-detect");
        await using var node = await AptP2PNode.StartAsync();
        var config = paths.PathOf("aptp2p.json");
        await File.WriteAllTextAsync(config, $$"""{ "AptP2P": { "Port": {{FreePort.Pick()}} } }""", Token);
        var data = paths.CreateDirectory("data");
        await File.WriteAllTextAsync(Path.Combine(data, "settings.json"), $$"""{ "aptp2p:port": "{{node.Port}}" }""", Token);

        var (answer, _) = await DetectAsync(ConfigOnly(config, data));

        Assert.Equal($"http://127.0.0.1:{node.Port}/", answer);
    }

    [Fact]
    public async Task Port_keys_elsewhere_in_the_file_leave_the_default()
    {
        // A live node on the ports the file names outside AptP2P:Port: taking any of them would answer with its address.
        using var paths = TestPaths.Create("proxy-detect");
        await using var node = await AptP2PNode.StartAsync();
        var config = paths.PathOf("aptp2p.json");
        await File.WriteAllTextAsync(config, $$"""{ "AptP2P": { "Discovery": { "Port": {{node.Port}} } }, "Port": {{node.Port}} }""", Token);

        var (answer, _) = await DetectAsync(ConfigOnly(config, paths.CreateDirectory("data")));

        // The default port: nothing listens on 9977 in a test run, or a developer's own node does.
        Assert.True(answer is "DIRECT" or "http://127.0.0.1:9977/", answer);
    }

    private static Dictionary<string, string?> ConfigOnly(string config, string dataDirectory) => new()
    {
        ["APTP2P_PORT"] = null,
        ["APTP2P_CONFIG"] = config,
        ["APTP2P_DATA_DIRECTORY"] = dataDirectory,
    };

    private static Task<(string Answer, TimeSpan Elapsed)> DetectAsync(int port) =>
        DetectAsync(new Dictionary<string, string?> { ["APTP2P_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    private static async Task<(string Answer, TimeSpan Elapsed)> DetectAsync(Dictionary<string, string?> environment)
    {
        Assert.True(File.Exists(AptConfSnippet.HelperPath), $"{AptConfSnippet.HelperPath} is not beside the binaries");
        var watch = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(
            new ProcessSpec(AptConfSnippet.HelperPath, ["http://deb.debian.org/debian"])
            {
                Environment = environment,
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
