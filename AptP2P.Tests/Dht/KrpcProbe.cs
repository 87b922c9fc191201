using System.Net;
using System.Net.Sockets;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Krpc;

namespace AptP2P.Tests.Dht;

/// <summary>A remote DHT node played by hand over real UDP: sends one query at a time and waits for the answer to it.</summary>
internal sealed class KrpcProbe(IPEndPoint node) : IDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);
    private readonly UdpClient _udp = new(new IPEndPoint(node.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
    private readonly NodeId _id = NodeId.Random();
    private ushort _tid;

    public async Task<KrpcMessage> AskAsync(KrpcMethod method, Func<KrpcQuery, KrpcQuery> arguments, CancellationToken cancellationToken)
    {
        var tid = new[] { (byte)(_tid >> 8), (byte)_tid++ };
        await _udp.SendAsync(KrpcBytes.Of(arguments(new KrpcQuery(tid, method, _id))), node, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AnswerTimeout);
        while (true)
        {
            var datagram = await _udp.ReceiveAsync(timeout.Token);
            // The node may send queries of its own (a ping of the new contact): only the answer to ours counts.
            if (KrpcDecoder.Decode(datagram.Buffer).Message is { } message and not KrpcQuery && message.TransactionId.AsSpan().SequenceEqual(tid))
                return message;
        }
    }

    /// <summary>A token for <paramref name="key"/>, from get_peers (announces) or get (puts).</summary>
    public async Task<byte[]> TokenAsync(KrpcMethod method, NodeId key, CancellationToken cancellationToken)
    {
        var answer = Assert.IsType<KrpcResponse>(await AskAsync(method, q => q with { Target = key }, cancellationToken));
        return answer.Token ?? throw new InvalidOperationException("No token in the answer.");
    }

    /// <summary>Announces ports <c>1..count</c> for <paramref name="key"/>: as many distinct peers from one address.</summary>
    public async Task FloodAnnouncesAsync(NodeId key, int count, CancellationToken cancellationToken)
    {
        var token = await TokenAsync(KrpcMethod.GetPeers, key, cancellationToken);
        for (var port = 1; port <= count; port++)
            Assert.IsType<KrpcResponse>(await AskAsync(KrpcMethod.AnnouncePeer, q => q with { Target = key, Port = port, Token = token }, cancellationToken));
    }

    /// <summary>Puts <paramref name="count"/> distinct immutable items; those beyond the node's bound are refused (error 202).</summary>
    public async Task FloodPutsAsync(int count, CancellationToken cancellationToken)
    {
        var token = await TokenAsync(KrpcMethod.Get, NodeId.Random(), cancellationToken);
        for (var i = 0; i < count; i++)
        {
            var text = $"flood item {i} {Guid.NewGuid():N}";
            var value = System.Text.Encoding.ASCII.GetBytes($"{text.Length}:{text}");
            await AskAsync(KrpcMethod.Put, q => q with { Token = token, Put = new PutArguments(value, null, null, [], 0, null) }, cancellationToken);
        }
    }

    public void Dispose() => _udp.Dispose();
}
