using System.Net;

namespace AptP2P.Engine.Discovery;

/// <summary>Called for every discovery datagram received; the buffer is only valid during the call.</summary>
public delegate void LanDatagramHandler(ReadOnlySpan<byte> datagram, IPEndPoint source);

/// <summary>
/// How local discovery meets the network: multicast UDP sockets in production (<see cref="UdpLanChannel"/>), an in-memory
/// segment in tests and the benchmark. Sends never throw: a LAN without multicast is a LAN without discovery, not an error.
/// </summary>
public interface ILanChannel : IAsyncDisposable
{
    /// <summary>Starts delivering datagrams (the group's and the ones sent to us directly) to <paramref name="handler"/>.</summary>
    void Start(LanDatagramHandler handler);

    /// <summary>Sends one datagram to the discovery group on every interface that can carry it; returns how many copies went out.</summary>
    int SendToGroup(ReadOnlySpan<byte> datagram);

    /// <summary>Sends one datagram to one node (a reply goes to where the hello came from).</summary>
    void SendTo(ReadOnlySpan<byte> datagram, IPEndPoint destination);

    /// <summary>Names of the interfaces the group is joined on, for the dashboard.</summary>
    IReadOnlyList<string> Interfaces { get; }
}
