using System.Net;

namespace AptP2P.Engine.Dht.Transport;

/// <summary>Called for every datagram received; the buffer is only valid during the call.</summary>
public delegate void DatagramHandler(ReadOnlyMemory<byte> datagram, IPEndPoint source);

/// <summary>
/// How a DHT node meets the network: one UDP socket in production, an in-memory network (AptP2P.Testing) in tests and
/// the benchmark. Sends are fire-and-forget: UDP promises nothing, and the query table handles silence.
/// </summary>
public interface IDhtTransport : IAsyncDisposable
{
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Starts delivering received datagrams to <paramref name="handler"/>.</summary>
    void Start(DatagramHandler handler);

    /// <summary>Sends one datagram. Network errors are counted and logged by the transport, never thrown.</summary>
    void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination);
}
