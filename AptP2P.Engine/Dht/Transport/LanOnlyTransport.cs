using System.Net;
using AptP2P.Engine.Discovery;

namespace AptP2P.Engine.Dht.Transport;

/// <summary>
/// The DHT's socket with the public network cut off while <c>AptP2P:Discovery:PublicDht</c> is off: datagrams to addresses
/// outside the LAN scope are counted and dropped before they reach the socket, whichever part of the DHT sent them.
/// </summary>
public sealed class LanOnlyTransport(IDhtTransport inner, Func<bool> lanOnly) : IDhtTransport
{
    private long _blocked;

    /// <summary>Datagrams not sent because they were for the public network.</summary>
    public long Blocked => Interlocked.Read(ref _blocked);

    public IPEndPoint LocalEndPoint => inner.LocalEndPoint;

    public void Start(DatagramHandler handler) => inner.Start(handler);

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        if (lanOnly() && !AddressScope.IsLan(destination.Address))
        {
            Interlocked.Increment(ref _blocked);
            return;
        }
        inner.Send(datagram, destination);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
