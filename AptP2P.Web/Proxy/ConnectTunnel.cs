using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Node;
using AptP2P.Web.Access;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace AptP2P.Web.Proxy;

/// <summary>
/// apt's https through an HTTP proxy is a <c>CONNECT host:443</c> and then TLS end to end, which no proxy can cache. Kestrel
/// does not offer CONNECT tunnels, so this connection middleware looks at a connection's first request head before Kestrel
/// does: a CONNECT from an allowed client to a host in <c>AptP2P:AllowedTunnels</c> becomes an opaque byte relay; anything
/// else (every other request, and a CONNECT that is not allowed) goes on to Kestrel untouched, where the proxy refuses such a
/// CONNECT with 403 and the reason. The remap form <c>/HTTPS///host/path</c> is the one that caches.
/// </summary>
internal sealed partial class ConnectTunnel(
    IOptionsMonitor<AptP2POptions> options, ClientAccess access, NodeEndpoints node, ILogger<ConnectTunnel> logger)
{
    private const int MaxHeadLength = 8 * 1024;
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);
    private static ReadOnlySpan<byte> Connect => "CONNECT "u8;
    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    public Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => async connection =>
    {
        var target = await PeekConnectAsync(connection);
        if (target is null || !IsAllowed(connection, target.Value.Host, target.Value.Port))
        {
            await next(connection);
            return;
        }
        try
        {
            await RelayAsync(connection, target.Value.Host, target.Value.Port, target.Value.HeadLength);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionResetException or ObjectDisposedException)
        {
            // The client went away, or the node is stopping: the tunnel is over.
        }
    };

    /// <summary>
    /// True when <c>AptP2P:AllowedTunnels</c> lists the host: a pattern without a port allows 443 only, <c>host:port</c> that port,
    /// <c>*.example.org</c> its subdomains (the syntax of <c>AllowedMirrors</c>). Empty allows none.
    /// </summary>
    internal static bool IsListed(IEnumerable<string> patterns, string host, int port) =>
        ConfigurationList.Split(patterns).Any(pattern =>
            MirrorPolicy.Matches(pattern, host, port) && (MirrorPolicy.NamesPort(pattern) || port == MirrorUrl.HttpsPort));

    private bool IsAllowed(ConnectionContext connection, string host, int port) =>
        access.IsAllowed((connection.RemoteEndPoint as IPEndPoint)?.Address)
        && IsListed(options.CurrentValue.AllowedTunnels, host, port);

    /// <summary>The target of a CONNECT that opens the connection, without consuming anything; null for every other request.</summary>
    private static async Task<(string Host, int Port, int HeadLength)?> PeekConnectAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(HeadTimeout);
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(timeout.Token);
                var buffer = read.Buffer;
                if (!StartsLikeConnect(buffer))
                {
                    input.AdvanceTo(buffer.Start);
                    return null;
                }
                var head = buffer.Length > MaxHeadLength ? buffer.Slice(0, MaxHeadLength) : buffer;
                var bytes = head.ToArray();
                var end = bytes.AsSpan().IndexOf(EndOfHead);
                if (end >= 0)
                {
                    input.AdvanceTo(buffer.Start);
                    return TryParseTarget(bytes.AsSpan(0, end), out var host, out var port) ? (host, port, end + EndOfHead.Length) : null;
                }
                if (read.IsCompleted || buffer.Length >= MaxHeadLength)
                {
                    input.AdvanceTo(buffer.Start);
                    return null;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException)
        {
            // A head that never completes: Kestrel will time it out and answer as it does for any slow request.
            return null;
        }
    }

    /// <summary>The bytes so far are "CONNECT " or the start of it.</summary>
    private static bool StartsLikeConnect(ReadOnlySequence<byte> buffer)
    {
        var prefix = (int)Math.Min(buffer.Length, Connect.Length);
        Span<byte> start = stackalloc byte[Connect.Length];
        buffer.Slice(0, prefix).CopyTo(start);
        return Connect[..prefix].SequenceEqual(start[..prefix]);
    }

    /// <summary><c>CONNECT host:port HTTP/1.x</c>, with a DNS name or an IP literal (IPv6 in brackets).</summary>
    private static bool TryParseTarget(ReadOnlySpan<byte> head, out string host, out int port)
    {
        host = "";
        port = 0;
        var lineEnd = head.IndexOf("\r\n"u8);
        var line = Encoding.ASCII.GetString(lineEnd < 0 ? head : head[..lineEnd]);
        var parts = line.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            return false;
        var colon = parts[1].LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(parts[1].AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        host = parts[1][..colon].ToLowerInvariant();
        return host.Length > 0;
    }

    private async Task RelayAsync(ConnectionContext connection, string host, int port, int headLength)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var read = await input.ReadAsync(connection.ConnectionClosed);
        input.AdvanceTo(read.Buffer.GetPosition(headLength));

        var (socket, problem) = await OpenAsync(host, port, connection.ConnectionClosed);
        using var owned = socket;
        if (socket is null)
        {
            LogTunnelFailed(host, port, problem!);
            var body = $"502 Bad Gateway: CONNECT {host}:{port}: {problem}\n";
            await output.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}"));
            return;
        }
        LogTunnel(connection.RemoteEndPoint, host, port);
        await output.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray());
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        var up = CopyAsync(input.AsStream(leaveOpen: true), stream, done.Token);
        var down = CopyAsync(stream, output.AsStream(leaveOpen: true), done.Token);
        await Task.WhenAny(up, down);
        // One side has closed: give the other a moment to drain, then end both.
        done.CancelAfter(TimeSpan.FromSeconds(1));
        await Task.WhenAll(up, down);
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        try
        {
            await from.CopyToAsync(to, cancellationToken);
            if (to is NetworkStream network)
                network.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or ConnectionResetException)
        {
            // Either end went away: the tunnel is over.
        }
    }

    private async Task<(Socket? Socket, string? Problem)> OpenAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.CurrentValue.Mirror.ConnectTimeoutSeconds));
        try
        {
            return (await MirrorConnector.ConnectAsync(host, port, node, timeout.Token), null);
        }
        catch (RefusedTargetException)
        {
            return (null, "the target is this node's own port");
        }
        catch (SocketException ex)
        {
            return (null, ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"no connection within {options.CurrentValue.Mirror.ConnectTimeoutSeconds} s");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "CONNECT tunnel from {Client} to {Host}:{Port} (opaque, not cached)")]
    private partial void LogTunnel(System.Net.EndPoint? client, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CONNECT tunnel to {Host}:{Port} failed: 502 {Reason}")]
    private partial void LogTunnelFailed(string host, int port, string reason);
}
