using System.Threading.Channels;
using AptP2P.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Persistence;

/// <summary>
/// The one writer of the database. Hot paths hand it work and move on; it runs what has queued up in one transaction,
/// so SQLite sees a few batches a second instead of a transaction per event (DESIGN.md, "Data kept").
/// </summary>
public sealed partial class DatabaseWriter(IDbContextFactory<AptDb> dbFactory, TimeProvider time, ILogger<DatabaseWriter> logger) : BackgroundService
{
    private const int MaxBatch = 512;

    /// <summary>
    /// How long queued writes wait for company. The writes of a burst of transfers then cost one transaction, after the
    /// burst rather than in the middle of it: a transaction's CPU would otherwise be taken from apt's own downloads, which on
    /// a small machine compete for the same cores. A caller that waits for its write cuts the wait short.
    /// </summary>
    public static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(500);

    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private TaskCompletionSource _waited = NewSignal();

    /// <summary>Queues a write; failures are logged, never thrown at the caller.</summary>
    public void Enqueue(string description, Func<AptDb, CancellationToken, Task> work) =>
        Queue(new WorkItem(description, work, null), endGathering: false);

    /// <summary>Queues a write that somebody waits for through signals of its own (an index being ingested): no gathering delay.</summary>
    public void EnqueueAwaited(string description, Func<AptDb, CancellationToken, Task> work) =>
        Queue(new WorkItem(description, work, null), endGathering: true);

    /// <summary>Queues a write and waits until it is committed.</summary>
    public Task WriteAsync(string description, Func<AptDb, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue(new WorkItem(description, work, done), endGathering: true); // done completes with the write, or with its failure
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Queues work, ending the gathering wait if asked; once the queue has closed, the work runs on its own.</summary>
    private void Queue(WorkItem item, bool endGathering)
    {
        if (!_queue.Writer.TryWrite(item))
            _ = RunLateAsync(item);
        else if (endGathering)
            Volatile.Read(ref _waited).TrySetResult();
    }

    /// <summary>Completes once everything queued before the call is committed.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) =>
        WriteAsync("flush", static (_, _) => Task.CompletedTask, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<WorkItem>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                await Task.WhenAny(Task.Delay(GatherDelay, time, stoppingToken), Volatile.Read(ref _waited).Task);
                // Renewed before draining: a waiting write queued from here on is either drained now or ends the next wait.
                Volatile.Write(ref _waited, NewSignal());
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
                    batch.Add(item);
                // A batch, once started, runs to its end: cancelling it on shutdown would lose what it carries.
                await RunBatchAsync(batch, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await DrainAsync();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
        // ExecuteAsync starts on the thread pool and, stopped before its first turn, never runs: what was queued still lands.
        if (ExecuteTask is null || ExecuteTask.IsCompleted)
            await DrainAsync();
    }

    /// <summary>
    /// A write that came after the queue closed: another service's last save at shutdown (the DHT's routing table), which
    /// the host may stop after this writer (a host stopped twice at once, as tests and <c>RunAsync</c> do, runs two passes).
    /// It runs on its own rather than being lost; SQLite's busy wait orders it against a drain still running.
    /// </summary>
    private Task RunLateAsync(WorkItem item) => RunBatchAsync([item], CancellationToken.None);

    /// <summary>Writes what is left in the queue, so nothing queued before shutdown is lost.</summary>
    private async Task DrainAsync()
    {
        var batch = new List<WorkItem>();
        while (_queue.Reader.TryRead(out var item))
            batch.Add(item);
        if (batch.Count > 0)
            await RunBatchAsync(batch, CancellationToken.None);
    }

    private async Task RunBatchAsync(List<WorkItem> batch, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var item in batch)
                await item.Work(db, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            foreach (var item in batch)
                item.Done?.TrySetResult();
        }
        catch (Exception ex) when (batch.Count > 1 && ex is not OperationCanceledException)
        {
            // One bad item must not lose the others: run them one by one.
            foreach (var item in batch)
                await RunBatchAsync([item], cancellationToken);
        }
        catch (Exception ex)
        {
            foreach (var item in batch)
            {
                LogWriteFailed(item.Description, ex);
                item.Done?.TrySetException(ex);
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record WorkItem(string Description, Func<AptDb, CancellationToken, Task> Work, TaskCompletionSource? Done);

    [LoggerMessage(Level = LogLevel.Error, Message = "Database write '{Description}' failed")]
    private partial void LogWriteFailed(string description, Exception exception);
}
