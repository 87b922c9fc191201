using System.Net.Sockets;
using AptP2P.Testing.Http;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;
using Microsoft.Extensions.Logging;

namespace AptP2P.Tests.Proxy;

/// <summary>
/// Clients that go away mid-body (apt interrupted, a peer that found the file elsewhere) are ordinary: the node notes them at
/// Debug and serves the next request, never an error with a stack trace that would hide real ones.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class ClientAbortTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("proxy")]
    [InlineData("peer")]
    [InlineData("cold")]
    public async Task A_client_that_goes_away_mid_body_is_logged_at_debug_only_and_the_next_request_is_served(string door)
    {
        // The shipped appsettings.json log Information and up: this test wants to see the Debug line too.
        await using var node = await AptP2PNode.StartAsync(settings: ["Logging:LogLevel:AptP2P=Debug"]);
        using (var apt = fixture.CreateClient(new Uri(node.PrefixFor(fixture.Mirror.HostPort))))
            AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), node);
        var big = fixture.Repository.BigPackage;
        var proxyTarget = $"/{fixture.Mirror.HostPort}/{big.PoolPath}";
        // Cached first, but for "cold": the abort then hits the cache's copy to the socket (the peer protocol serves
        // verified files only); "cold" goes away while the transfer from the mirror streams to it.
        if (door != "cold")
            Assert.Equal(200, (await RawHttp.SendAsync(node.BaseUri, "GET", proxyTarget)).Status);
        var target = door == "peer" ? $"/~/{big.Sha256}" : proxyTarget;

        await using (var connection = await RawHttp.ConnectAsync(node.BaseUri, cancellationToken: Ct))
        {
            await connection.WriteAsync($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
            var (status, _) = await connection.ReadHeadAsync(Ct);
            Assert.Equal(200, status);
            // Disposed with most of the 24 MiB unread: the kernel answers the node's next segments with a reset.
        }

        await node.Logs.WaitForAsync("went away", TimeSpan.FromSeconds(30));
        var next = await RawHttp.SendAsync(node.BaseUri, "GET", target);
        Assert.Equal(200, next.Status);
        Assert.Equal(big.Size, next.Body.Length);
        Assert.DoesNotContain(node.Logs.Lines, l => l.Level > LogLevel.Debug && MentionsAnAbort(l));
    }

    private static bool MentionsAnAbort(LogCollector.LogLine line) =>
        line.Exception is OperationCanceledException or IOException or SocketException or Microsoft.AspNetCore.Connections.ConnectionResetException
            || line.Exception?.InnerException is IOException or SocketException
            || line.Message.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase)
            || line.Message.Contains("aborted", StringComparison.OrdinalIgnoreCase)
            || line.Message.Contains("reset", StringComparison.OrdinalIgnoreCase)
            || line.Message.Contains("went away", StringComparison.Ordinal);
}

/// <summary>The host's wrapper on its own: what it takes for a client abort, and what it leaves to be a real error.</summary>
public sealed class ClientAbortLogTests
{
    [Fact]
    public async Task A_reset_after_the_client_went_away_is_one_debug_line_not_an_exception()
    {
        var (aborts, logs) = Create();
        using var gone = new CancellationTokenSource();
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestAborted = gone.Token };
        await gone.CancelAsync();

        await aborts.RunAsync(context, _ => throw new Microsoft.AspNetCore.Connections.ConnectionResetException("reset by peer"));

        var line = Assert.Single(logs.Lines);
        Assert.Equal(LogLevel.Debug, line.Level);
        Assert.Null(line.Exception);
        Assert.Contains("ConnectionResetException", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancellation_while_the_client_is_still_there_stays_an_error()
    {
        var (aborts, _) = Create();
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();

        await Assert.ThrowsAsync<OperationCanceledException>(() => aborts.RunAsync(context, _ => throw new OperationCanceledException()));
    }

    private static (AptP2P.Web.Hosting.ClientAbortLog Aborts, LogCollector Logs) Create()
    {
        var logs = new LogCollector();
        var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        return (new AptP2P.Web.Hosting.ClientAbortLog(factory.CreateLogger<AptP2P.Web.Hosting.ClientAbortLog>()), logs);
    }
}
