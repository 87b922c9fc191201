using System.Net;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Nodes;

namespace AptP2P.Tests.FixtureTests;

public sealed class NodeProcessTests
{
    private readonly CancellationToken _cancellationToken = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_node_process_serves_its_API_and_dies_on_kill_9()
    {
        await using var node = await NodeProcess.StartAsync(new NodeProcessOptions { Port = FreePort.Pick() }, _cancellationToken);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(node.BaseUri, "api/stats"), _cancellationToken);
        await node.KillAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(node.HasExited);
        Assert.Equal(137, node.ExitCode);
    }

    [Fact]
    public async Task A_node_process_stops_on_SIGTERM_with_exit_code_0()
    {
        await using var node = await NodeProcess.StartAsync(new NodeProcessOptions { Port = FreePort.Pick() }, _cancellationToken);

        var stop = await node.TerminateAsync(TimeSpan.FromSeconds(30));

        Assert.True(stop is not null, node.ToString());
        Assert.Equal(0, node.ExitCode);
        Assert.Contains(node.Output, l => l.Contains("Application is shutting down", StringComparison.Ordinal));
    }
}
