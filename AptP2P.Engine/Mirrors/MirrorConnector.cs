using System.Net;
using System.Net.Sockets;
using AptP2P.Engine.Node;

namespace AptP2P.Engine.Mirrors;

/// <summary>A connection was refused before it was made: the target is this node's own port, whatever a name resolves to.</summary>
public sealed class RefusedTargetException(string message) : Exception(message);

/// <summary>
/// TCP to a mirror (or a CONNECT tunnel's host): resolves the name, refuses this node's own ports for any of its addresses,
/// and tries each address in turn. The one place outgoing connections are made, so the refusal cannot be bypassed.
/// </summary>
public static class MirrorConnector
{
    /// <exception cref="RefusedTargetException">An address of <paramref name="host"/> is this node's own, on its port.</exception>
    /// <exception cref="SocketException">No address could be resolved or connected to (the last address's error).</exception>
    public static async Task<Socket> ConnectAsync(string host, int port, NodeEndpoints node, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (addresses.Any(a => node.IsThisNode(a, port)))
            throw new RefusedTargetException($"{host}:{port} is this node's own port");

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, port, cancellationToken);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}
