using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AptP2P.Engine.PortMapping;

/// <summary>An SSDP answer: the device description's URL and the address that answered.</summary>
public sealed record SsdpAnswer(Uri Location, IPAddress Responder);

/// <summary>
/// SSDP discovery of an Internet Gateway Device (UPnP Device Architecture 1.1 §1.3): an M-SEARCH for the IGD and for each
/// WAN connection service type, answered unicast with the device description's <c>LOCATION</c>.
/// </summary>
public static class SsdpSearch
{
    public static readonly IReadOnlyList<string> SearchTargets =
    [
        "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
        "urn:schemas-upnp-org:service:WANIPConnection:1",
        "urn:schemas-upnp-org:service:WANIPConnection:2",
        "urn:schemas-upnp-org:service:WANPPPConnection:1",
    ];

    private const int MaxAnswer = 2048;

    /// <summary>The first answer whose <c>LOCATION</c> is an http URL on the responder's own address; null within the timeout.</summary>
    public static async Task<(SsdpAnswer? Answer, string? Error)> FindAsync(IPEndPoint target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 2);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var rejected = 0;
        try
        {
            foreach (var st in SearchTargets)
            {
                var search = string.Create(CultureInfo.InvariantCulture,
                    $"M-SEARCH * HTTP/1.1\r\nHOST: {target}\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: {st}\r\n\r\n");
                await socket.SendToAsync(Encoding.ASCII.GetBytes(search), SocketFlags.None, target, deadline.Token);
            }
            var buffer = new byte[MaxAnswer];
            while (true)
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), deadline.Token);
                var from = ((IPEndPoint)received.RemoteEndPoint).Address;
                if (Parse(buffer.AsSpan(0, received.ReceivedBytes), from) is { } answer)
                    return (answer, null);
                rejected++;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, rejected == 0
                ? string.Create(CultureInfo.InvariantCulture, $"no SSDP answer from {target} within {timeout.TotalSeconds:0.#} s")
                : string.Create(CultureInfo.InvariantCulture, $"{rejected} SSDP answer(s) without a usable LOCATION"));
        }
        catch (SocketException ex)
        {
            return (null, $"SSDP: {ex.SocketErrorCode}");
        }
    }

    /// <summary>Reads an <c>HTTP/1.1 200 OK</c> answer's <c>LOCATION</c>; null when it is not one we follow.</summary>
    internal static SsdpAnswer? Parse(ReadOnlySpan<byte> datagram, IPAddress from)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(datagram);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        var lines = text.Split("\r\n");
        if (lines.Length < 2 || !lines[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !lines[0].Contains(" 200", StringComparison.Ordinal))
            return null;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !line.AsSpan(0, colon).Trim().Equals("LOCATION", StringComparison.OrdinalIgnoreCase))
                continue;
            // Only a description on the answering device itself: a forged answer must not make us fetch from elsewhere.
            if (Uri.TryCreate(line[(colon + 1)..].Trim(), UriKind.Absolute, out var location) && location.Scheme == Uri.UriSchemeHttp
                && IPAddress.TryParse(location.Host, out var host) && host.Equals(from))
            {
                return new SsdpAnswer(location, from);
            }
            return null;
        }
        return null;
    }
}
