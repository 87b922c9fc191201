using System.Net;
using System.Net.Sockets;

namespace AptP2P.Testing.Machine;

/// <summary>Free TCP ports on the loopback interface, for servers that must be told a port up front.</summary>
public static class FreePort
{
    /// <summary>Asks the kernel for an unused port by binding 127.0.0.1:0, then releases it.</summary>
    public static int Pick()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>True when something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Polls until the port accepts (or refuses) connections, failing after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(int port, bool listening, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(describe);
        var deadline = DateTime.UtcNow + timeout;
        while (await IsListeningAsync(port, cancellationToken) != listening)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"127.0.0.1:{port} still {(listening ? "refuses" : "accepts")} connections after {timeout.TotalSeconds:0.#} s. {describe()}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }
}
