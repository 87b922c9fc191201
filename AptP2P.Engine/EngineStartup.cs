using AptP2P.Data;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

namespace AptP2P.Engine;

/// <summary>
/// Brings the engine up before the HTTP server accepts anything: database migrated, cache reconciled, hash index loaded.
/// Then keeps the cache's access times flushed and the size limit enforced.
/// </summary>
public sealed class EngineStartup(
    DatabaseInitializer database,
    CacheReconciler reconciler,
    IDbContextFactory<AptDb> dbFactory,
    HashIndex index,
    ContentStore store,
    TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(5);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        await reconciler.ReconcileAsync(cancellationToken);
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            await index.LoadAsync(db, cancellationToken);
        store.EvictToLimit();
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(MaintenanceInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                store.FlushAccessTimes();
                store.EvictToLimit();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        store.FlushAccessTimes();
    }
}
