using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using Microsoft.Extensions.Options;

namespace AptP2P.Web.Settings;

/// <summary>
/// Applies a new cache size limit at once, however it was changed (settings form, API, settings.json edited by hand): the store
/// only evicts when a file is added, so a lowered limit would otherwise wait for the next download.
/// </summary>
public sealed class CacheLimitWatcher(IOptionsMonitor<AptP2POptions> options, ContentStore cache) : IHostedService, IDisposable
{
    private IDisposable? _subscription;
    private string _limit = options.CurrentValue.Cache.SizeLimit;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = options.OnChange(changed =>
        {
            if (Interlocked.Exchange(ref _limit, changed.Cache.SizeLimit) != changed.Cache.SizeLimit)
                cache.EvictToLimit();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _subscription?.Dispose();
}
