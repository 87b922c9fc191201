using AptP2P.Data;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Persistence;
using AptP2P.Engine.Recovery;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine;

/// <summary>
/// Brings the engine up before the HTTP server accepts anything: database migrated, cache reconciled, hash index loaded.
/// Then, in the background, redoes what a crash may have lost (<see cref="CrashRecovery"/>), and keeps the cache's access
/// times flushed and the size limit enforced.
/// </summary>
public sealed partial class EngineStartup(
    DatabaseInitializer database,
    CacheReconciler reconciler,
    CrashRecovery recovery,
    IDbContextFactory<AptDb> dbFactory,
    HashIndex index,
    ContentStore store,
    TimeProvider time,
    ILogger<EngineStartup> logger) : BackgroundService
{
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(5);
    private ReconcileReport? _reconciled;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        _reconciled = await reconciler.ReconcileAsync(cancellationToken);
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            await index.LoadAsync(db, cancellationToken);
        store.EvictToLimit();
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not awaited before the loop: indexing a large file again takes a second, and the cache limit must hold meanwhile.
        var recovering = RecoverAsync(stoppingToken);
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
        await recovering;
        store.FlushAccessTimes();
    }

    private async Task RecoverAsync(CancellationToken stoppingToken)
    {
        try
        {
            await recovery.RecoverAsync(_reconciled!, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // What is not redone now is redone at the next start; the node serves on meanwhile.
            LogRecoveryFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Crash recovery failed; it is tried again at the next start")]
    private partial void LogRecoveryFailed(Exception exception);
}
