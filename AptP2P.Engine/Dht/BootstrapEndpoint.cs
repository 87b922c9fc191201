using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AptP2P.Engine.Dht;

/// <summary>Parses and resolves the <c>host:port</c> entries of <c>AptP2P:Dht:BootstrapNodes</c>.</summary>
public static class BootstrapEndpoint
{
    public static bool TryParse(string entry, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = entry.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            return false;
        host = entry[..colon].Trim('[', ']');
        return host.Length > 0;
    }

    public static bool IsValid(string entry) => TryParse(entry, out _, out _);

    /// <summary>
    /// Resolves every entry to IPv4 and IPv6 endpoints (A and AAAA; each node of the DHT takes those of its family, BEP 32);
    /// names that do not resolve are skipped (the caller retries later). <c>[::1]:6881</c> is an IPv6 literal.
    /// </summary>
    public static async Task<IReadOnlyList<IPEndPoint>> ResolveAsync(IEnumerable<string> entries, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var tasks = entries.Where(e => !string.IsNullOrWhiteSpace(e)).Select(async entry =>
        {
            if (!TryParse(entry, out var host, out var port))
                return Array.Empty<IPEndPoint>();
            if (IPAddress.TryParse(host, out var literal))
                return [CompactEndPoint.Normalize(new IPEndPoint(literal, port))];
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(timeout);
            try
            {
                var addresses = await Dns.GetHostAddressesAsync(host, AddressFamily.Unspecified, cts.Token);
                return addresses.Select(a => CompactEndPoint.Normalize(new IPEndPoint(a, port))).ToArray();
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return [];
            }
        });
        return (await Task.WhenAll(tasks)).SelectMany(e => e).Distinct().ToList();
    }
}
