using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Memory;
using AptP2P.Engine.Persistence;
using AptP2P.Engine.Recovery;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine;

/// <summary>
/// Brings the engine up before the HTTP server accepts anything: database migrated, cache reconciled, and the hash index
/// loading in the background (a node with all of Debian indexed answers apt within a second; what waits for the index is
/// <see cref="HashIndex.StartLoading"/>'s). Then, in the background, redoes what a crash may have lost
/// (<see cref="CrashRecovery"/>), and keeps the cache's access times flushed and the size limit enforced.
/// </summary>
public sealed partial class EngineStartup(
    DatabaseInitializer schema,
    CacheReconciler reconciler,
    CrashRecovery recovery,
    NodeDatabase database,
    HashIndex index,
    ContentStore store,
    MemoryCompaction compaction,
    TimeProvider time,
    ILogger<EngineStartup> logger) : BackgroundService
{
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(5);
    // Not disposed: a host may stop a service after disposing it, and a source without timers holds nothing to release.
    private readonly CancellationTokenSource _stopping = new();
    private ReconcileReport? _reconciled;
    private Task _indexLoaded = Task.CompletedTask;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await schema.InitializeAsync(cancellationToken);
        _reconciled = await reconciler.ReconcileAsync(cancellationToken);
        _indexLoaded = index.StartLoading(LoadIndexAsync, _stopping.Token);
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

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
    }

    private async Task LoadIndexAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var db = await database.OpenAsync(cancellationToken);
        await index.LoadAsync(db, cancellationToken);
        LogIndexLoaded(index.Count, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task RecoverAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Recovery reads the index: after it is loaded.
            await _indexLoaded;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            LogIndexLoadFailed(ex);
            return;
        }
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
        // Loading the index read every row of it as objects: a node restarted idle held 250 MB for a 40 MB live heap.
        compaction.AfterBurst();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hash index loaded: {Files} files in {Milliseconds} ms")]
    private partial void LogIndexLoaded(int files, long milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Loading the hash index failed; files not yet indexed again pass through unshared until their metadata comes by")]
    private partial void LogIndexLoadFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Crash recovery failed; it is tried again at the next start")]
    private partial void LogRecoveryFailed(Exception exception);
}
