using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AptP2P.Engine.PortMapping;

/// <summary>The answer of one request/response exchange on UDP: the datagram accepted, or why none was.</summary>
internal readonly record struct UdpAnswer(byte[]? Datagram, string? Error);

/// <summary>
/// One request to the gateway's PCP/NAT-PMP port, retransmitted from 250 ms with the interval doubling (RFC 6886 §3.1,
/// RFC 6887 §8.1.1) until an acceptable answer arrives or the timeout ends. The socket is connected, so only datagrams from
/// the gateway's address and port are read at all.
/// </summary>
internal static class UdpExchange
{
    public const int MaxDatagram = 1100;
    private static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(250);

    /// <param name="build">The request, given our own address toward the gateway (PCP carries it).</param>
    /// <param name="accept">True for the answer to this request; others (stray, garbage) are counted and ignored.</param>
    public static async Task<UdpAnswer> ExchangeAsync(IPEndPoint gateway, Func<IPAddress, byte[]> build, Func<ReadOnlyMemory<byte>, bool> accept,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var buffer = new byte[MaxDatagram];
        var rejected = 0;
        var interval = FirstInterval;
        try
        {
            await socket.ConnectAsync(gateway, deadline.Token);
            var request = build(((IPEndPoint)socket.LocalEndPoint!).Address);
            while (true)
            {
                await socket.SendAsync(request, SocketFlags.None, deadline.Token);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                wait.CancelAfter(interval);
                try
                {
                    while (true)
                    {
                        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                        var datagram = buffer.AsMemory(0, read);
                        if (accept(datagram))
                            return new UdpAnswer(datagram.ToArray(), null);
                        rejected++;
                    }
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    // This interval ended without an answer: send again, waiting twice as long.
                }
                interval *= 2;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new UdpAnswer(null, rejected == 0
                ? string.Create(CultureInfo.InvariantCulture, $"no answer from {gateway} within {timeout.TotalSeconds:0.#} s")
                : string.Create(CultureInfo.InvariantCulture, $"{gateway} sent {rejected} datagram(s) that are not an answer to the request"));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return new UdpAnswer(null, $"{gateway} refused the request (port unreachable)");
        }
        catch (SocketException ex)
        {
            return new UdpAnswer(null, $"{gateway}: {ex.SocketErrorCode}");
        }
    }
}
