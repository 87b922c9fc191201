using AptP2P.Engine.Mirrors;
using Microsoft.Extensions.Logging;

namespace AptP2P.Tests.Fixtures;

/// <summary>
/// Several real AptP2P nodes in one test, each on its own loopback address (127.0.0.2, .3, …) with its own HTTP and DHT
/// port and data directory, each bootstrapping its DHT from the nodes started before it. No internet: nobody else is known.
/// </summary>
public sealed class SwarmNodes : IAsyncDisposable
{
    private readonly List<AptP2PNode> _nodes = [];

    public IReadOnlyList<AptP2PNode> Nodes => _nodes;

    public AptP2PNode this[int index] => _nodes[index];

    /// <summary>Starts a node on 127.0.0.<paramref name="lastOctet"/> that knows every node started so far.</summary>
    public async Task<AptP2PNode> StartAsync(int lastOctet, params string[] settings)
    {
        var address = $"127.0.0.{lastOctet}";
        var bootstrap = _nodes.Select((n, i) => $"AptP2P:Dht:BootstrapNodes:{i}={n.BindAddress}:{n.Get<NodeEndpoints>().DhtPort}");
        var node = await AptP2PNode.StartAsync(LogLevel.Debug, null, address, 0, [.. bootstrap, .. settings]);
        _nodes.Add(node);
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync();
    }
}
