using System.Net;
using AptP2P.Engine;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Node;
using Microsoft.Extensions.Logging;

namespace AptP2P.Testing.Nodes;

/// <summary>
/// Several real AptP2P nodes in one test, each on its own loopback address (127.0.0.2, .3, …) with its own HTTP and DHT
/// port and data directory, each bootstrapping its DHT from the nodes started before it. No internet: nobody else is known.
/// With a <paramref name="port"/>, every node listens on that same port (HTTP and DHT), as nodes on a LAN do on the default port.
/// </summary>
public sealed class SwarmNodes(int port = 0) : IAsyncDisposable
{
    private readonly List<AptP2PNode> _nodes = [];

    /// <summary>A port free for TCP and UDP on 127.0.0.<paramref name="lastOctets"/>, for a swarm whose nodes share one port.</summary>
    public static int FreeSharedPort(params int[] lastOctets)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var probe = new System.Net.Sockets.TcpListener(IPAddress.Parse($"127.0.0.{lastOctets[0]}"), 0);
            probe.Start();
            var candidate = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            if (lastOctets.All(o => IsFree(IPAddress.Parse($"127.0.0.{o}"), candidate)))
                return candidate;
        }
        throw new InvalidOperationException("no port free for TCP and UDP on every address of the swarm");
    }

    private static bool IsFree(IPAddress address, int candidate)
    {
        try
        {
            using var tcp = new System.Net.Sockets.TcpListener(address, candidate);
            tcp.Start();
            using var udp = new System.Net.Sockets.UdpClient(new IPEndPoint(address, candidate));
            tcp.Stop();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public IReadOnlyList<AptP2PNode> Nodes => _nodes;

    public AptP2PNode this[int index] => _nodes[index];

    /// <summary>Starts a node on 127.0.0.<paramref name="lastOctet"/> that knows every node started so far.</summary>
    public async Task<AptP2PNode> StartAsync(int lastOctet, params string[] settings)
    {
        var address = $"127.0.0.{lastOctet}";
        var bootstrap = _nodes.Select((n, i) => $"AptP2P:Dht:BootstrapNodes:{i}={n.BindAddress}:{n.Get<NodeEndpoints>().DhtPort}");
        var node = await AptP2PNode.StartAsync(LogLevel.Debug, null, address, port, [.. bootstrap, .. settings]);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Waits until <paramref name="seeker"/>'s DHT lookups find <paramref name="holder"/> for every file.</summary>
    public static Task WaitUntilFoundAsync(AptP2PNode seeker, AptP2PNode holder, IEnumerable<ContentHash> files, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitUntilFoundAsync(seeker, new IPEndPoint(IPAddress.Parse(holder.BindAddress), holder.Port), files, timeout, cancellationToken);

    /// <summary>Waits until <paramref name="seeker"/>'s DHT lookups return <paramref name="expected"/> for every file.</summary>
    public static async Task WaitUntilFoundAsync(AptP2PNode seeker, IPEndPoint expected, IEnumerable<ContentHash> files, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var file in files)
        {
            while (true)
            {
                var found = false;
                await foreach (var peer in seeker.Get<IDht>().FindPeersAsync(InfoHash.FromFile(file), cancellationToken))
                    found |= peer.Equals(expected);
                if (found)
                    break;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"{seeker.BindAddress} never found {expected} for {file}:\n{seeker.Logs}");
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync();
    }
}
