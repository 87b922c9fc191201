using System.Net;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Proxy;
using AptP2P.Engine.Transfers;
using AptP2P.Web.Access;
using Microsoft.AspNetCore.Connections;

namespace AptP2P.Web.Proxy;

/// <summary>
/// Starts the transfer of a request that is queued on a connection behind others, using the same checks as the proxy
/// endpoint; the endpoint later joins the running transfer. Only files with a known hash and size are prefetched: their
/// content is fixed, so fetching early can never serve anything stale.
/// </summary>
internal sealed partial class Prefetcher(
    ClientAccess access,
    MirrorPolicy policy,
    HashIndex index,
    ContentStore store,
    TransferCoordinator transfers,
    ILogger<Prefetcher> logger)
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
            if (ProxyTargetParser.Parse(head.Target).Url is not { } url || !policy.IsAllowed(url.Host, url.Port, out _))
                return;
            if (index.Find(url) is not { Size: { } size } known || store.Contains(known.Hash))
                return;
            transfers.GetOrStart(url, known.Hash, size);
            LogPrefetching(url.Key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogPrefetchFailed(head.Target, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Prefetching {Url} queued behind other requests on its connection")]
    private partial void LogPrefetching(string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not prefetch {Target}")]
    private partial void LogPrefetchFailed(string target, Exception exception);
}
