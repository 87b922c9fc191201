using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Persistence;

/// <summary>
/// The one writer of the database. Hot paths hand it work and move on; it runs what has queued up in one transaction,
/// so SQLite sees a few batches a second instead of a transaction per event (DESIGN.md, "Data kept").
/// </summary>
public sealed partial class DatabaseWriter(NodeDatabase database, TimeProvider time, ILogger<DatabaseWriter> logger) : BackgroundService
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
    public void Enqueue(string description, Func<DbSession, CancellationToken, Task> work) =>
        Queue(new WorkItem(description, work, null), endGathering: false);

    /// <summary>
    /// Queues a write that must commit whole and on its own (an index with its entries), without the gathering delay: what
    /// was queued before it commits first, in its own transaction, so that a failure or a crash here takes nothing else
    /// along. <paramref name="work"/> returns what to do in memory once its transaction has committed; the writer runs it
    /// before the next write, so later work sees the memory that matches the database. A failure rolls the write back and
    /// faults the returned task; the caller logs it.
    /// </summary>
    public Task CommitAloneAsync(string description, Func<DbSession, CancellationToken, Task<Action?>> work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Action? committed = null;
        Queue(new WorkItem(description, async (db, ct) => committed = await work(db, ct), done) { Alone = true, Committed = () => committed?.Invoke() },
            endGathering: true);
        return done.Task;
    }

    /// <summary>Queues a write and waits until it is committed.</summary>
    public Task WriteAsync(string description, Func<DbSession, CancellationToken, Task> work, CancellationToken cancellationToken)
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
                await RunInOrderAsync(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await DrainAsync();
    }

    /// <summary>How long the stop waits for the last batch and the drain, whatever the host's token says (the HTTP drain may have used it up).</summary>
    public static readonly TimeSpan FinalFlushBound = TimeSpan.FromSeconds(2);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        // Stopping ends ExecuteAsync, which commits what is queued; a writer stopped before its first turn never ran, so
        // what was queued is drained here (after a normal end the drain finds nothing).
        if (await WithinBoundAsync(base.StopAsync(CancellationToken.None)) && await WithinBoundAsync(DrainAsync()))
            LogStopped();
        else
            LogFinalFlushTimedOut(FinalFlushBound.TotalSeconds);
    }

    private static async Task<bool> WithinBoundAsync(Task task) =>
        await Task.WhenAny(task, Task.Delay(FinalFlushBound)) == task;

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
            await RunInOrderAsync(batch);
    }

    /// <summary>Runs drained work in queue order: the gathered items between two that commit alone share one transaction.</summary>
    private async Task RunInOrderAsync(List<WorkItem> items)
    {
        var start = 0;
        for (var i = 0; i <= items.Count; i++)
        {
            if (i < items.Count && !items[i].Alone)
                continue;
            if (i > start)
                await RunBatchAsync(items.GetRange(start, i - start), CancellationToken.None);
            if (i < items.Count)
                await RunBatchAsync([items[i]], CancellationToken.None);
            start = i + 1;
        }
    }

    private async Task RunBatchAsync(List<WorkItem> batch, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await database.OpenAsync(cancellationToken);
            await db.BeginTransactionAsync(cancellationToken);
            foreach (var item in batch)
                await item.Work(db, cancellationToken);
            await db.CommitAsync(cancellationToken);
        }
        catch (Exception ex) when (batch.Count > 1 && ex is not OperationCanceledException)
        {
            // One bad item must not lose the others: run them one by one.
            foreach (var item in batch)
                await RunBatchAsync([item], cancellationToken);
            return;
        }
        catch (Exception ex)
        {
            foreach (var item in batch)
            {
                if (!item.Alone)
                    LogWriteFailed(item.Description, ex);
                item.Done?.TrySetException(ex);
            }
            return;
        }
        foreach (var item in batch)
        {
            try
            {
                item.Committed?.Invoke();
            }
            catch (Exception ex)
            {
                // What is committed stays so; the writer must go on for everyone else.
                LogAfterCommitFailed(item.Description, ex);
            }
            item.Done?.TrySetResult();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record WorkItem(string Description, Func<DbSession, CancellationToken, Task> Work, TaskCompletionSource? Done)
    {
        /// <summary>Commits in a transaction of its own (<see cref="CommitAloneAsync"/>).</summary>
        public bool Alone { get; init; }

        /// <summary>Runs on the writer once the item's transaction has committed.</summary>
        public Action? Committed { get; init; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database writer stopped: every queued write is committed")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database writer stopped before its final flush ended ({Seconds} s); the writes still queued are not saved (hit counts and access times; what changes behaviour a restart rebuilds)")]
    private partial void LogFinalFlushTimedOut(double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Database write '{Description}' failed")]
    private partial void LogWriteFailed(string description, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Database write '{Description}' committed, but what follows its commit failed")]
    private partial void LogAfterCommitFailed(string description, Exception exception);
}
