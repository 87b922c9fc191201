using System.Net;
using AptP2P.Engine.Dht.Lookups;
using AptP2P.Engine.Dht.Routing;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Dht;

/// <summary>Keeping the node healthy: bootstrap with back-off, bucket refresh, pinging questionable nodes, expiring stored values.</summary>
public sealed partial class DhtNode
{
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExpiryInterval = TimeSpan.FromMinutes(1);
    private DateTimeOffset _lastExpiry;
    private TaskCompletionSource _tableEmptied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once a bootstrap has put at least one answering node in the table.</summary>
    public bool IsBootstrapped { get; private set; }

    /// <summary>
    /// Joins the network: a lookup of our own id seeded from the saved table and the routers, then one lookup into each far
    /// bucket to fill it. Returns whether any node answered.
    /// </summary>
    public async Task<bool> BootstrapAsync(IReadOnlyList<IPEndPoint> routers, CancellationToken cancellationToken = default)
    {
        await LookupAsync(LookupKind.FindNode, Id, routers, cancellationToken);
        List<Task<LookupResult>> refreshes = [];
        lock (_gate)
        {
            if (_table.Count == 0)
                return false;
            IsBootstrapped = true;
            var buckets = _table.Buckets.Take(Math.Min(_table.Buckets.Count, 6)).ToList();
            foreach (var bucket in buckets)
                refreshes.Add(LookupAsync(LookupKind.FindNode, _table.RandomIdIn(bucket, _random), cancellationToken: cancellationToken));
        }
        await Task.WhenAll(refreshes);
        LogBootstrapped(KnownNodes);
        return true;
    }

    /// <summary>
    /// Keeps trying to join until cancelled: resolves the routers (they may come and go), bootstraps, and backs off
    /// (1 s, 2 s, 4 s … up to the configured maximum) while nobody answers. Rejoins if the table ever empties.
    /// </summary>
    public async Task RunBootstrapAsync(Func<CancellationToken, Task<IReadOnlyList<IPEndPoint>>> resolveRouters, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (IsBootstrapped)
                    await TableEmptiedAsync().WaitAsync(cancellationToken);
                var routers = (await resolveRouters(cancellationToken)).Where(Speaks).ToList();
                if (await BootstrapAsync(routers, cancellationToken))
                {
                    backoff = TimeSpan.FromSeconds(1);
                    continue;
                }
                // The second family's node with no router of its family waits quietly for nodes its sibling hears of.
                if (routers.Count == 0 && Sibling is not null)
                    LogBootstrapWaiting(Family, backoff);
                else
                    LogBootstrapFailed(routers.Count, backoff);
                await Task.Delay(backoff, Time, cancellationToken);
                var maxBackoff = TimeSpan.FromSeconds(Options.MaxBootstrapBackoffSeconds);
                backoff = backoff * 2 > maxBackoff ? maxBackoff : backoff * 2;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Completes when the routing table has lost its last node (at once if it is empty now): the node must join again.</summary>
    private Task TableEmptiedAsync()
    {
        lock (_gate)
        {
            if (_table.Count == 0)
                return Task.CompletedTask;
            if (_tableEmptied.Task.IsCompleted)
                _tableEmptied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _tableEmptied.Task;
        }
    }

    private void RunMaintenance()
    {
        lock (_gate)
        {
            var now = Time.GetUtcNow();
            if (now - _lastExpiry >= ExpiryInterval)
            {
                _lastExpiry = now;
                Peers.Expire();
                Items.Expire();
            }
            if (Sibling is not null)
                PublishContacts();
            EvaluateReachability();
            if (_table.Count == 0)
                return;
            RefreshStaleBuckets();
            PingQuestionableNode(now);
        }
    }

    /// <summary>BEP 5: a bucket untouched for the refresh interval gets a find_node for a random id in its range (a couple per tick).</summary>
    private void RefreshStaleBuckets()
    {
        var refreshed = 0;
        foreach (var bucket in _table.StaleBuckets(TimeSpan.FromMinutes(Options.BucketRefreshMinutes)).ToList())
        {
            if (refreshed++ >= 2)
                break;
            bucket.LastChanged = Time.GetUtcNow();
            StartLookup(LookupKind.FindNode, _table.RandomIdIn(bucket, _random), NullListener.Instance);
        }
    }

    private void PingQuestionableNode(DateTimeOffset now)
    {
        var settings = _table.Settings;
        RoutingNode? stalest = null;
        foreach (var node in _table.Nodes)
        {
            if (node.IsQuestionable(now, settings.GoodWindow, settings.MaxFailures) && (stalest is null || node.LastResponse < stalest.LastResponse))
                stalest = node;
        }
        if (stalest is not null)
            Ping(stalest.EndPoint, stalest.Id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DHT bootstrapped: {Nodes} nodes in the routing table")]
    private partial void LogBootstrapped(int nodes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DHT ({Family}) has no router of its family and no node yet; looking again in {Backoff}")]
    private partial void LogBootstrapWaiting(System.Net.Sockets.AddressFamily family, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DHT bootstrap found no node ({Routers} routers resolved); retrying in {Backoff}")]
    private partial void LogBootstrapFailed(int routers, TimeSpan backoff);
}
