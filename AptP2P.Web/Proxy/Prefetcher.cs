using System.Net;
using AptP2P.Engine.Proxy;
using AptP2P.Web.Access;
using Microsoft.AspNetCore.Connections;

namespace AptP2P.Web.Proxy;

/// <summary>
/// Offers a request that is queued on a connection behind others to <see cref="ProxyService.Prefetch"/>, for clients the
/// proxy would answer; the request's own answer later joins the transfer it started.
/// </summary>
internal sealed partial class Prefetcher(ClientAccess access, ProxyService proxy, ILogger<Prefetcher> logger)
{
    public Action<RequestHead> For(ConnectionContext connection)
    {
        var remote = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        return access.IsAllowed(remote) ? Offer : static _ => { };
    }

    private void Offer(RequestHead head)
    {
        if (!head.IsGet || !ProxyRouting.IsProxyTarget(head.Target))
            return;
        try
        {
            if (proxy.Prefetch(head.Target))
                LogPrefetching(head.Target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogPrefetchFailed(head.Target, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Prefetching {Target} queued behind other requests on its connection")]
    private partial void LogPrefetching(string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not prefetch {Target}")]
    private partial void LogPrefetchFailed(string target, Exception exception);
}
