using System.Net;
using System.Net.Sockets;

namespace AptP2P.Testing.Machine;

/// <summary>Free TCP ports on the loopback interface (or another local address), for servers that must be told a port up front.</summary>
public static class FreePort
{
    /// <summary>Asks the kernel for an unused port by binding 127.0.0.1:0, then releases it.</summary>
    public static int Pick() => Pick(IPAddress.Loopback);

    /// <summary>Asks the kernel for an unused port on <paramref name="address"/> by binding port 0 there, then releases it.</summary>
    public static int Pick(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>True when something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken) =>
        IsListeningAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);

    /// <summary>True when something accepts TCP connections on <paramref name="endPoint"/>.</summary>
    public static async Task<bool> IsListeningAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        using var client = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await client.ConnectAsync(endPoint, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Polls until 127.0.0.1:<paramref name="port"/> accepts (or refuses) connections, failing after <paramref name="timeout"/>.</summary>
    public static Task WaitUntilAsync(int port, bool listening, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken) =>
        WaitUntilAsync(new IPEndPoint(IPAddress.Loopback, port), listening, timeout, describe, cancellationToken);

    /// <summary>Polls until <paramref name="endPoint"/> accepts (or refuses) connections, failing after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(IPEndPoint endPoint, bool listening, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(describe);
        var deadline = DateTime.UtcNow + timeout;
        while (await IsListeningAsync(endPoint, cancellationToken) != listening)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"{endPoint} still {(listening ? "refuses" : "accepts")} connections after {timeout.TotalSeconds:0.#} s. {describe()}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }
}
